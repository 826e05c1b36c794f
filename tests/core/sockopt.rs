//! Every socket option: set, read back, compare. Driven by `zmq::sockopt::SOCKET_OPTIONS`,
//! so an option added to the table without a round trip here fails the test.
//!
//! Options that cannot be round-tripped are listed explicitly, with the reason, and the
//! reason is checked: write-only options (no getter in the table) must accept a value;
//! options libzmq cannot read back (`UNREADABLE`) must fail to read with EINVAL; options
//! of transports or mechanisms not compiled into the vendored libzmq (`NOT_COMPILED`:
//! GSSAPI, VMCI, NORM, WSS) must be rejected with EINVAL.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::time::Duration;

use zmq::sockopt::SOCKET_OPTIONS;
use zmq::{Socket, SocketType};

type Outcome = Result<(), String>;

/// Sets each value and reads it back.
fn round_trip<T: Debug + Clone, U: PartialEq + Debug>(
    ctx: &zmq::Context,
    kind: SocketType,
    set: impl Fn(&Socket, T) -> zmq::Result<()>,
    get: impl Fn(&Socket) -> zmq::Result<U>,
    cases: Vec<(T, U)>,
) -> Outcome {
    let socket = ctx.socket(kind).map_err(|e| e.to_string())?;
    for (value, expected) in cases {
        set(&socket, value.clone()).map_err(|e| format!("set {value:?}: {e}"))?;
        let got = get(&socket).map_err(|e| format!("get after {value:?}: {e}"))?;
        if got != expected {
            return Err(format!(
                "set {value:?}, read back {got:?}, expected {expected:?}"
            ));
        }
    }
    Ok(())
}

/// A write-only option: each value must be accepted.
fn write_only<T: Debug + Clone>(
    ctx: &zmq::Context,
    kind: SocketType,
    set: impl Fn(&Socket, T) -> zmq::Result<()>,
    values: Vec<T>,
) -> Outcome {
    let socket = ctx.socket(kind).map_err(|e| e.to_string())?;
    for value in values {
        set(&socket, value.clone()).map_err(|e| format!("set {value:?}: {e}"))?;
    }
    Ok(())
}

/// A read-only option.
fn read_only<U: PartialEq + Debug>(
    ctx: &zmq::Context,
    kind: SocketType,
    get: impl Fn(&Socket) -> zmq::Result<U>,
    expected: U,
) -> Outcome {
    let socket = ctx.socket(kind).map_err(|e| e.to_string())?;
    let got = get(&socket).map_err(|e| e.to_string())?;
    if got != expected {
        return Err(format!("read {got:?}, expected {expected:?}"));
    }
    Ok(())
}

/// An option libzmq accepts but cannot read back (`getsockopt` fails with EINVAL).
fn unreadable<T: Debug + Clone, U: Debug>(
    ctx: &zmq::Context,
    kind: SocketType,
    set: impl Fn(&Socket, T) -> zmq::Result<()>,
    get: impl Fn(&Socket) -> zmq::Result<U>,
    value: T,
) -> Outcome {
    let socket = ctx.socket(kind).map_err(|e| e.to_string())?;
    set(&socket, value.clone()).map_err(|e| format!("set {value:?}: {e}"))?;
    match get(&socket) {
        Err(zmq::Error::EINVAL) => Ok(()),
        other => Err(format!(
            "expected EINVAL when reading it back, got {other:?}"
        )),
    }
}

/// An option of a feature not compiled into the vendored libzmq: rejected with EINVAL.
fn not_compiled<T: Debug>(
    ctx: &zmq::Context,
    kind: SocketType,
    set: impl Fn(&Socket, T) -> zmq::Result<()>,
    value: T,
) -> Outcome {
    let socket = ctx.socket(kind).map_err(|e| e.to_string())?;
    match set(&socket, value) {
        Err(zmq::Error::EINVAL) => Ok(()),
        other => Err(format!("expected EINVAL (not compiled in), got {other:?}")),
    }
}

/// Options libzmq accepts but cannot read back (`getsockopt` fails with EINVAL).
const UNREADABLE: &[&str] = &[
    "set_probe_router",
    "set_router_mandatory",
    "set_router_handover",
];

/// Options of features not compiled into the vendored libzmq (libzmq rejects them with
/// EINVAL), by feature.
const NOT_COMPILED: &[(&str, &[&str])] = &[
    (
        "GSSAPI (Kerberos)",
        &[
            "set_gssapi_server",
            "set_gssapi_plaintext",
            "set_gssapi_principal",
            "set_gssapi_service_principal",
            "set_gssapi_principal_nametype",
            "set_gssapi_service_principal_nametype",
        ],
    ),
    (
        "VMCI (VMware sockets)",
        &[
            "set_vmci_buffer_size",
            "set_vmci_buffer_min_size",
            "set_vmci_buffer_max_size",
            "set_vmci_connect_timeout",
        ],
    ),
    #[cfg(feature = "draft")]
    (
        "NORM",
        &[
            "set_norm_mode",
            "set_norm_unicast_nack",
            "set_norm_buffer_size",
            "set_norm_segment_size",
            "set_norm_block_size",
            "set_norm_num_parity",
            "set_norm_num_autoparity",
            "set_norm_push",
        ],
    ),
    #[cfg(feature = "draft")]
    (
        "WSS (TLS through GnuTLS)",
        &[
            "set_wss_key_pem",
            "set_wss_cert_pem",
            "set_wss_trust_pem",
            "set_wss_hostname",
            "set_wss_trust_system",
        ],
    ),
];

/// PLAIN user name and password: setting one selects PLAIN; an empty one is EINVAL and
/// leaves PLAIN selected (it does not quietly fall back to NULL); `None` goes back to the
/// NULL mechanism, and libzmq keeps the stored value.
fn plain_credential(
    ctx: &zmq::Context,
    set: impl Fn(&Socket, Option<&str>) -> zmq::Result<()>,
    get: impl Fn(&Socket) -> zmq::Result<Result<String, Vec<u8>>>,
) -> Outcome {
    let socket = ctx.socket(zmq::DEALER).map_err(|e| e.to_string())?;
    let check = |what: &str, ok: bool| if ok { Ok(()) } else { Err(what.to_owned()) };
    set(&socket, Some("admin")).map_err(|e| e.to_string())?;
    check("read back", get(&socket) == Ok(Ok("admin".to_owned())))?;
    check(
        "PLAIN selected",
        socket.get_mechanism() == Ok(zmq::Mechanism::ZMQ_PLAIN),
    )?;
    check(
        "empty refused",
        set(&socket, Some("")) == Err(zmq::Error::EINVAL),
    )?;
    check(
        "PLAIN kept after the refusal",
        socket.get_mechanism() == Ok(zmq::Mechanism::ZMQ_PLAIN)
            && get(&socket) == Ok(Ok("admin".to_owned())),
    )?;
    set(&socket, None).map_err(|e| e.to_string())?;
    check(
        "NULL selected",
        socket.get_mechanism() == Ok(zmq::Mechanism::ZMQ_NULL),
    )
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The round trip of one table row, named by its setter (or getter when read-only).
/// `None`: this test does not know the row.
fn exercise(ctx: &zmq::Context, accessor: &str, keys: &zmq::CurveKeyPair) -> Option<Outcome> {
    #[cfg(feature = "draft")]
    use zmq::XSUB;
    use zmq::{DEALER, PULL, REQ, ROUTER, STREAM, SUB, XPUB};
    let pk: &[u8] = &keys.public_key;
    let sk: &[u8] = &keys.secret_key;
    let pk_z85 = keys.public_key_z85();
    let sk_z85 = keys.secret_key_z85();
    let (pk_z85, sk_z85): (&[u8], &[u8]) = (pk_z85.as_bytes(), sk_z85.as_bytes());
    let bools = || vec![(true, true), (false, false)];
    let ok_str = |s: &str| Ok::<String, Vec<u8>>(s.to_owned());

    let outcome = match accessor {
        // ---- zmq 0.10 options ----
        "set_ipv6" => round_trip(ctx, DEALER, Socket::set_ipv6, Socket::is_ipv6, bools()),
        "set_immediate" => round_trip(
            ctx,
            DEALER,
            Socket::set_immediate,
            Socket::is_immediate,
            bools(),
        ),
        "set_plain_server" => round_trip(
            ctx,
            DEALER,
            Socket::set_plain_server,
            Socket::is_plain_server,
            bools(),
        ),
        "set_conflate" => round_trip(
            ctx,
            PULL,
            Socket::set_conflate,
            Socket::is_conflate,
            bools(),
        ),
        "set_probe_router" => unreadable(
            ctx,
            DEALER,
            Socket::set_probe_router,
            Socket::is_probe_router,
            true,
        ),
        "set_router_mandatory" => unreadable(
            ctx,
            ROUTER,
            Socket::set_router_mandatory,
            Socket::is_router_mandatory,
            true,
        ),
        "set_router_handover" => unreadable(
            ctx,
            ROUTER,
            Socket::set_router_handover,
            Socket::is_router_handover,
            true,
        ),
        "set_curve_server" => round_trip(
            ctx,
            DEALER,
            Socket::set_curve_server,
            Socket::is_curve_server,
            bools(),
        ),
        "set_gssapi_server" => not_compiled(ctx, DEALER, Socket::set_gssapi_server, true),
        "set_gssapi_plaintext" => not_compiled(ctx, DEALER, Socket::set_gssapi_plaintext, true),
        "set_req_relaxed" => write_only(ctx, REQ, Socket::set_req_relaxed, vec![true, false]),
        "set_req_correlate" => write_only(ctx, REQ, Socket::set_req_correlate, vec![true, false]),
        "set_xpub_verbose" => write_only(ctx, XPUB, Socket::set_xpub_verbose, vec![true, false]),
        "set_maxmsgsize" => round_trip(
            ctx,
            DEALER,
            Socket::set_maxmsgsize,
            Socket::get_maxmsgsize,
            vec![(1 << 40, 1 << 40), (-1, -1)],
        ),
        "set_sndhwm" => round_trip(
            ctx,
            DEALER,
            Socket::set_sndhwm,
            Socket::get_sndhwm,
            vec![(7, 7), (0, 0)],
        ),
        "set_rcvhwm" => round_trip(
            ctx,
            DEALER,
            Socket::set_rcvhwm,
            Socket::get_rcvhwm,
            vec![(7, 7), (0, 0)],
        ),
        "set_affinity" => round_trip(
            ctx,
            DEALER,
            Socket::set_affinity,
            Socket::get_affinity,
            vec![(u64::MAX, u64::MAX), (3, 3)],
        ),
        "set_rate" => round_trip(
            ctx,
            DEALER,
            Socket::set_rate,
            Socket::get_rate,
            vec![(200, 200)],
        ),
        "set_recovery_ivl" => round_trip(
            ctx,
            DEALER,
            Socket::set_recovery_ivl,
            Socket::get_recovery_ivl,
            vec![(5000, 5000)],
        ),
        "set_sndbuf" => round_trip(
            ctx,
            DEALER,
            Socket::set_sndbuf,
            Socket::get_sndbuf,
            vec![(65536, 65536), (-1, -1)],
        ),
        "set_rcvbuf" => round_trip(
            ctx,
            DEALER,
            Socket::set_rcvbuf,
            Socket::get_rcvbuf,
            vec![(65536, 65536), (-1, -1)],
        ),
        "set_tos" => round_trip(
            ctx,
            DEALER,
            Socket::set_tos,
            Socket::get_tos,
            vec![(0x28, 0x28)],
        ),
        "set_linger" => round_trip(
            ctx,
            DEALER,
            Socket::set_linger,
            Socket::get_linger,
            vec![(250, 250), (-1, -1), (0, 0)],
        ),
        "set_reconnect_ivl" => round_trip(
            ctx,
            DEALER,
            Socket::set_reconnect_ivl,
            Socket::get_reconnect_ivl,
            vec![(250, 250), (-1, -1)],
        ),
        "set_reconnect_ivl_max" => round_trip(
            ctx,
            DEALER,
            Socket::set_reconnect_ivl_max,
            Socket::get_reconnect_ivl_max,
            vec![(5000, 5000)],
        ),
        "set_backlog" => round_trip(
            ctx,
            DEALER,
            Socket::set_backlog,
            Socket::get_backlog,
            vec![(10, 10)],
        ),
        "set_multicast_hops" => round_trip(
            ctx,
            DEALER,
            Socket::set_multicast_hops,
            Socket::get_multicast_hops,
            vec![(4, 4)],
        ),
        "set_rcvtimeo" => round_trip(
            ctx,
            DEALER,
            Socket::set_rcvtimeo,
            Socket::get_rcvtimeo,
            vec![(250, 250), (-1, -1), (0, 0)],
        ),
        "set_sndtimeo" => round_trip(
            ctx,
            DEALER,
            Socket::set_sndtimeo,
            Socket::get_sndtimeo,
            vec![(250, 250), (-1, -1), (0, 0)],
        ),
        "set_tcp_keepalive" => round_trip(
            ctx,
            DEALER,
            Socket::set_tcp_keepalive,
            Socket::get_tcp_keepalive,
            vec![(1, 1), (0, 0), (-1, -1)],
        ),
        "set_tcp_keepalive_cnt" => round_trip(
            ctx,
            DEALER,
            Socket::set_tcp_keepalive_cnt,
            Socket::get_tcp_keepalive_cnt,
            vec![(5, 5)],
        ),
        "set_tcp_keepalive_idle" => round_trip(
            ctx,
            DEALER,
            Socket::set_tcp_keepalive_idle,
            Socket::get_tcp_keepalive_idle,
            vec![(60, 60)],
        ),
        "set_tcp_keepalive_intvl" => round_trip(
            ctx,
            DEALER,
            Socket::set_tcp_keepalive_intvl,
            Socket::get_tcp_keepalive_intvl,
            vec![(10, 10)],
        ),
        "set_handshake_ivl" => round_trip(
            ctx,
            DEALER,
            Socket::set_handshake_ivl,
            Socket::get_handshake_ivl,
            vec![(1000, 1000), (0, 0)],
        ),
        "set_heartbeat_ivl" => round_trip(
            ctx,
            DEALER,
            Socket::set_heartbeat_ivl,
            Socket::get_heartbeat_ivl,
            vec![(1000, 1000)],
        ),
        "set_heartbeat_ttl" => round_trip(
            ctx,
            DEALER,
            Socket::set_heartbeat_ttl,
            Socket::get_heartbeat_ttl,
            vec![(2000, 2000)],
        ),
        "set_heartbeat_timeout" => round_trip(
            ctx,
            DEALER,
            Socket::set_heartbeat_timeout,
            Socket::get_heartbeat_timeout,
            vec![(3000, 3000)],
        ),
        "set_connect_timeout" => round_trip(
            ctx,
            DEALER,
            Socket::set_connect_timeout,
            Socket::get_connect_timeout,
            vec![(1500, 1500)],
        ),
        "set_identity" => round_trip(
            ctx,
            DEALER,
            Socket::set_identity,
            Socket::get_identity,
            vec![
                (&b"peer-1"[..], b"peer-1".to_vec()),
                (&[0xFFu8; 255][..], vec![0xFF; 255]),
            ],
        ),
        "set_subscribe" => write_only(ctx, SUB, Socket::set_subscribe, vec![&b"topic"[..], b""]),
        "set_unsubscribe" => write_only(ctx, SUB, Socket::set_unsubscribe, vec![&b"topic"[..]]),
        "set_curve_publickey" => round_trip(
            ctx,
            DEALER,
            Socket::set_curve_publickey,
            Socket::get_curve_publickey,
            vec![(pk, pk.to_vec()), (pk_z85, pk.to_vec())],
        ),
        "set_curve_secretkey" => round_trip(
            ctx,
            DEALER,
            Socket::set_curve_secretkey,
            Socket::get_curve_secretkey,
            vec![(sk, sk.to_vec()), (sk_z85, sk.to_vec())],
        ),
        "set_curve_serverkey" => round_trip(
            ctx,
            DEALER,
            Socket::set_curve_serverkey,
            Socket::get_curve_serverkey,
            vec![(pk, pk.to_vec()), (pk_z85, pk.to_vec())],
        ),
        "set_socks_proxy" => round_trip(
            ctx,
            DEALER,
            Socket::set_socks_proxy,
            Socket::get_socks_proxy,
            vec![
                (Some("127.0.0.1:1080"), ok_str("127.0.0.1:1080")),
                (None, ok_str("")),
            ],
        ),
        "set_plain_username" => {
            plain_credential(ctx, Socket::set_plain_username, Socket::get_plain_username)
        }
        "set_plain_password" => {
            plain_credential(ctx, Socket::set_plain_password, Socket::get_plain_password)
        }
        "set_xpub_welcome_msg" => write_only(
            ctx,
            XPUB,
            Socket::set_xpub_welcome_msg,
            vec![Some("welcome"), None],
        ),
        "set_zap_domain" => round_trip(
            ctx,
            DEALER,
            Socket::set_zap_domain,
            Socket::get_zap_domain,
            vec![("global", ok_str("global")), ("other", ok_str("other"))],
        ),
        "set_gssapi_principal" => not_compiled(ctx, DEALER, Socket::set_gssapi_principal, "user"),
        "set_gssapi_service_principal" => {
            not_compiled(ctx, DEALER, Socket::set_gssapi_service_principal, "svc")
        }

        // ---- options zmq 0.10 lacked ----
        "set_connect_routing_id" => write_only(
            ctx,
            ROUTER,
            Socket::set_connect_routing_id,
            vec![&b"next-peer"[..]],
        ),
        "set_router_raw" => write_only(ctx, ROUTER, Socket::set_router_raw, vec![true]),
        "set_xpub_nodrop" => write_only(ctx, XPUB, Socket::set_xpub_nodrop, vec![true, false]),
        "set_xpub_manual" => write_only(ctx, XPUB, Socket::set_xpub_manual, vec![true, false]),
        "set_xpub_verboser" => write_only(ctx, XPUB, Socket::set_xpub_verboser, vec![true, false]),
        "set_stream_notify" => {
            write_only(ctx, STREAM, Socket::set_stream_notify, vec![false, true])
        }
        "set_invert_matching" => round_trip(
            ctx,
            SUB,
            Socket::set_invert_matching,
            Socket::is_invert_matching,
            bools(),
        ),
        "set_tcp_maxrt" => round_trip(
            ctx,
            DEALER,
            Socket::set_tcp_maxrt,
            Socket::get_tcp_maxrt,
            vec![(1500, 1500), (0, 0)],
        ),
        "is_thread_safe" => read_only(ctx, DEALER, Socket::is_thread_safe, false),
        "set_multicast_maxtpdu" => round_trip(
            ctx,
            DEALER,
            Socket::set_multicast_maxtpdu,
            Socket::get_multicast_maxtpdu,
            vec![(1400, 1400)],
        ),
        "get_use_fd" => round_trip(
            ctx,
            DEALER,
            // SAFETY: the socket is never bound, so libzmq never uses the number as a
            // descriptor.
            |socket: &Socket, fd| unsafe { socket.set_use_fd(fd) },
            Socket::get_use_fd,
            vec![(42, 42), (-1, -1)],
        ),
        "set_bindtodevice" => round_trip(
            ctx,
            DEALER,
            Socket::set_bindtodevice,
            Socket::get_bindtodevice,
            vec![("lo", ok_str("lo")), ("", ok_str(""))],
        ),
        "set_gssapi_principal_nametype" => {
            not_compiled(ctx, DEALER, Socket::set_gssapi_principal_nametype, 1)
        }
        "set_gssapi_service_principal_nametype" => not_compiled(
            ctx,
            DEALER,
            Socket::set_gssapi_service_principal_nametype,
            1,
        ),
        "set_vmci_buffer_size" => not_compiled(ctx, DEALER, Socket::set_vmci_buffer_size, 4096),
        "set_vmci_buffer_min_size" => {
            not_compiled(ctx, DEALER, Socket::set_vmci_buffer_min_size, 4096)
        }
        "set_vmci_buffer_max_size" => {
            not_compiled(ctx, DEALER, Socket::set_vmci_buffer_max_size, 4096)
        }
        "set_vmci_connect_timeout" => {
            not_compiled(ctx, DEALER, Socket::set_vmci_connect_timeout, 100)
        }
        "set_ipv4only" => round_trip(
            ctx,
            DEALER,
            Socket::set_ipv4only,
            Socket::is_ipv4only,
            vec![(false, false), (true, true)],
        ),
        "set_tcp_accept_filter" => write_only(
            ctx,
            ROUTER,
            Socket::set_tcp_accept_filter,
            vec![Some("127.0.0.1"), None],
        ),
        "set_ipc_filter_pid" => write_only(
            ctx,
            ROUTER,
            Socket::set_ipc_filter_pid,
            vec![std::process::id() as i32],
        ),
        "set_ipc_filter_uid" => write_only(ctx, ROUTER, Socket::set_ipc_filter_uid, vec![0]),
        "set_ipc_filter_gid" => write_only(ctx, ROUTER, Socket::set_ipc_filter_gid, vec![0]),

        // ---- Duration forms ----
        "set_rcvtimeo_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_rcvtimeo_duration,
            Socket::get_rcvtimeo_duration,
            vec![
                (Some(ms(1500)), Some(ms(1500))),
                (None, None),
                (Some(Duration::from_micros(1)), Some(ms(1))),
            ],
        ),
        "set_sndtimeo_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_sndtimeo_duration,
            Socket::get_sndtimeo_duration,
            vec![
                (Some(ms(1500)), Some(ms(1500))),
                (None, None),
                (Some(Duration::ZERO), Some(Duration::ZERO)),
            ],
        ),
        "set_linger_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_linger_duration,
            Socket::get_linger_duration,
            vec![(Some(ms(0)), Some(ms(0))), (None, None)],
        ),
        "set_reconnect_ivl_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_reconnect_ivl_duration,
            Socket::get_reconnect_ivl_duration,
            vec![(Some(ms(300)), Some(ms(300))), (None, None)],
        ),
        "set_reconnect_ivl_max_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_reconnect_ivl_max_duration,
            Socket::get_reconnect_ivl_max_duration,
            vec![(ms(3000), ms(3000)), (Duration::ZERO, Duration::ZERO)],
        ),
        "set_handshake_ivl_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_handshake_ivl_duration,
            Socket::get_handshake_ivl_duration,
            vec![(ms(2500), ms(2500))],
        ),
        "set_heartbeat_ivl_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_heartbeat_ivl_duration,
            Socket::get_heartbeat_ivl_duration,
            vec![(ms(2500), ms(2500))],
        ),
        "set_heartbeat_ttl_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_heartbeat_ttl_duration,
            Socket::get_heartbeat_ttl_duration,
            vec![(ms(2500), ms(2500))],
        ),
        "set_heartbeat_timeout_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_heartbeat_timeout_duration,
            Socket::get_heartbeat_timeout_duration,
            vec![(ms(2500), ms(2500))],
        ),
        "set_connect_timeout_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_connect_timeout_duration,
            Socket::get_connect_timeout_duration,
            vec![(ms(2500), ms(2500))],
        ),
        "set_tcp_maxrt_duration" => round_trip(
            ctx,
            DEALER,
            Socket::set_tcp_maxrt_duration,
            Socket::get_tcp_maxrt_duration,
            vec![(ms(2500), ms(2500))],
        ),

        // ---- draft options ----
        #[cfg(feature = "draft")]
        "set_zap_enforce_domain" => round_trip(
            ctx,
            DEALER,
            Socket::set_zap_enforce_domain,
            Socket::is_zap_enforce_domain,
            bools(),
        ),
        #[cfg(feature = "draft")]
        "set_loopback_fastpath" => round_trip(
            ctx,
            DEALER,
            Socket::set_loopback_fastpath,
            Socket::is_loopback_fastpath,
            bools(),
        ),
        #[cfg(feature = "draft")]
        "set_metadata" => write_only(ctx, DEALER, Socket::set_metadata, vec!["X-Service:billing"]),
        #[cfg(feature = "draft")]
        "set_multicast_loop" => round_trip(
            ctx,
            DEALER,
            Socket::set_multicast_loop,
            Socket::is_multicast_loop,
            vec![(false, false), (true, true)],
        ),
        #[cfg(feature = "draft")]
        "set_router_notify" => round_trip(
            ctx,
            ROUTER,
            Socket::set_router_notify,
            Socket::get_router_notify,
            vec![(3, 3), (0, 0)],
        ),
        #[cfg(feature = "draft")]
        "set_xpub_manual_last_value" => write_only(
            ctx,
            XPUB,
            Socket::set_xpub_manual_last_value,
            vec![true, false],
        ),
        #[cfg(feature = "draft")]
        "set_socks_username" => round_trip(
            ctx,
            DEALER,
            Socket::set_socks_username,
            Socket::get_socks_username,
            vec![(Some("user"), ok_str("user"))],
        ),
        #[cfg(feature = "draft")]
        "set_socks_password" => round_trip(
            ctx,
            DEALER,
            Socket::set_socks_password,
            Socket::get_socks_password,
            vec![(Some("pass"), ok_str("pass"))],
        ),
        #[cfg(feature = "draft")]
        "set_in_batch_size" => round_trip(
            ctx,
            DEALER,
            Socket::set_in_batch_size,
            Socket::get_in_batch_size,
            vec![(16384, 16384)],
        ),
        #[cfg(feature = "draft")]
        "set_out_batch_size" => round_trip(
            ctx,
            DEALER,
            Socket::set_out_batch_size,
            Socket::get_out_batch_size,
            vec![(16384, 16384)],
        ),
        #[cfg(feature = "draft")]
        "set_only_first_subscribe" => write_only(
            ctx,
            XPUB,
            Socket::set_only_first_subscribe,
            vec![true, false],
        ),
        #[cfg(feature = "draft")]
        "set_reconnect_stop" => round_trip(
            ctx,
            DEALER,
            Socket::set_reconnect_stop,
            Socket::get_reconnect_stop,
            vec![(1, 1), (7, 7), (0, 0)],
        ),
        #[cfg(feature = "draft")]
        "set_hello_msg" => write_only(ctx, ROUTER, Socket::set_hello_msg, vec![&b"hello"[..]]),
        #[cfg(feature = "draft")]
        "set_disconnect_msg" => {
            write_only(ctx, ROUTER, Socket::set_disconnect_msg, vec![&b"gone"[..]])
        }
        #[cfg(feature = "draft")]
        "set_hiccup_msg" => write_only(ctx, DEALER, Socket::set_hiccup_msg, vec![&b"hiccup"[..]]),
        #[cfg(feature = "draft")]
        "set_priority" => round_trip(
            ctx,
            DEALER,
            Socket::set_priority,
            Socket::get_priority,
            vec![(3, 3)],
        ),
        #[cfg(feature = "draft")]
        "set_busy_poll" => write_only(ctx, DEALER, Socket::set_busy_poll, vec![true, false]),
        #[cfg(feature = "draft")]
        "set_xsub_verbose_unsubscribe" => write_only(
            ctx,
            XSUB,
            Socket::set_xsub_verbose_unsubscribe,
            vec![true, false],
        ),
        #[cfg(feature = "draft")]
        "get_topics_count" => read_only(ctx, SUB, Socket::get_topics_count, 0),
        #[cfg(feature = "draft")]
        "set_norm_mode" => not_compiled(ctx, DEALER, Socket::set_norm_mode, 1),
        #[cfg(feature = "draft")]
        "set_norm_unicast_nack" => not_compiled(ctx, DEALER, Socket::set_norm_unicast_nack, true),
        #[cfg(feature = "draft")]
        "set_norm_buffer_size" => not_compiled(ctx, DEALER, Socket::set_norm_buffer_size, 2048),
        #[cfg(feature = "draft")]
        "set_norm_segment_size" => not_compiled(ctx, DEALER, Socket::set_norm_segment_size, 1400),
        #[cfg(feature = "draft")]
        "set_norm_block_size" => not_compiled(ctx, DEALER, Socket::set_norm_block_size, 16),
        #[cfg(feature = "draft")]
        "set_norm_num_parity" => not_compiled(ctx, DEALER, Socket::set_norm_num_parity, 4),
        #[cfg(feature = "draft")]
        "set_norm_num_autoparity" => not_compiled(ctx, DEALER, Socket::set_norm_num_autoparity, 2),
        #[cfg(feature = "draft")]
        "set_norm_push" => not_compiled(ctx, DEALER, Socket::set_norm_push, true),
        #[cfg(feature = "draft")]
        "set_wss_key_pem" => not_compiled(ctx, DEALER, Socket::set_wss_key_pem, "-----BEGIN-----"),
        #[cfg(feature = "draft")]
        "set_wss_cert_pem" => {
            not_compiled(ctx, DEALER, Socket::set_wss_cert_pem, "-----BEGIN-----")
        }
        #[cfg(feature = "draft")]
        "set_wss_trust_pem" => {
            not_compiled(ctx, DEALER, Socket::set_wss_trust_pem, "-----BEGIN-----")
        }
        #[cfg(feature = "draft")]
        "set_wss_hostname" => not_compiled(ctx, DEALER, Socket::set_wss_hostname, "example.com"),
        #[cfg(feature = "draft")]
        "set_wss_trust_system" => not_compiled(ctx, DEALER, Socket::set_wss_trust_system, true),
        _ => return None,
    };
    Some(outcome)
}

#[test]
fn every_option_round_trips() {
    let ctx = zmq::Context::new();
    let keys = zmq::CurveKeyPair::new().unwrap();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for info in SOCKET_OPTIONS {
        let accessor = info.setter.or(info.getter).expect("a row has an accessor");
        assert!(
            seen.insert(accessor),
            "{accessor} appears twice in the table"
        );
        match exercise(&ctx, accessor, &keys) {
            None => failures.push(format!(
                "{} ({accessor}): no round trip in tests/core/sockopt.rs; add one",
                info.name
            )),
            Some(Err(err)) => failures.push(format!("{} ({accessor}): {err}", info.name)),
            Some(Ok(())) => {}
        }
    }
    // Every special case names a real row, so the lists cannot go stale.
    let not_compiled = NOT_COMPILED.iter().flat_map(|(_, names)| names.iter());
    for accessor in UNREADABLE.iter().chain(not_compiled) {
        assert!(
            seen.contains(accessor),
            "{accessor} is listed but not in the table"
        );
    }
    assert!(
        failures.is_empty(),
        "option round trips failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn table_rows_match_libzmq_numbers() {
    for info in SOCKET_OPTIONS {
        assert!(info.name.starts_with("ZMQ_"));
        assert!(info.option > 0, "{}", info.name);
        assert!(info.getter.is_some() || info.setter.is_some());
    }
    let sndhwm = SOCKET_OPTIONS
        .iter()
        .find(|o| o.name == "ZMQ_SNDHWM")
        .unwrap();
    assert_eq!((sndhwm.option, sndhwm.kind), (23, "i32"));
}

#[test]
fn options_that_need_decoding() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::ROUTER).unwrap();
    assert_eq!(socket.get_socket_type().unwrap(), zmq::ROUTER);
    assert_eq!(socket.get_socket_type_raw().unwrap(), 6);
    assert!(!socket.get_rcvmore().unwrap());
    assert_eq!(socket.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_NULL);
    socket.set_plain_server(true).unwrap();
    assert_eq!(socket.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_PLAIN);
    assert_eq!(socket.get_last_endpoint().unwrap(), Ok(String::new()));
    socket.bind("tcp://127.0.0.1:*").unwrap();
    assert!(
        socket
            .get_last_endpoint()
            .unwrap()
            .unwrap()
            .starts_with("tcp://127.0.0.1:")
    );
    assert!(socket.get_fd().unwrap() >= 0);
    assert!(!socket.get_events().unwrap().contains(zmq::POLLIN));
    assert_eq!(
        socket.get_routing_id().unwrap(),
        socket.get_identity().unwrap()
    );

    // CURVE keys in Z85.
    let keys = zmq::CurveKeyPair::new().unwrap();
    socket.set_curve_server(true).unwrap();
    assert_eq!(socket.get_mechanism().unwrap(), zmq::Mechanism::ZMQ_CURVE);
    socket.set_curve_secretkey(&keys.secret_key).unwrap();
    assert_eq!(
        socket.get_curve_secretkey_z85().unwrap(),
        keys.secret_key_z85()
    );
    socket.set_curve_publickey(&keys.public_key).unwrap();
    assert_eq!(
        socket.get_curve_publickey_z85().unwrap(),
        keys.public_key_z85()
    );
    socket
        .set_curve_serverkey(keys.public_key_z85().as_bytes())
        .unwrap();
    assert_eq!(
        socket.get_curve_serverkey_z85().unwrap(),
        keys.public_key_z85()
    );

    // Raw access by number.
    socket.set_option_raw(23, &42i32.to_ne_bytes()).unwrap();
    let mut buf = [0u8; 4];
    assert_eq!(socket.get_option_raw(23, &mut buf).unwrap(), 4);
    assert_eq!(i32::from_ne_bytes(buf), 42);
    assert_eq!(socket.get_sndhwm().unwrap(), 42);
}

#[test]
fn bad_option_values_are_errors() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::DEALER).unwrap();
    assert_eq!(
        socket.set_identity(b""),
        Err(zmq::Error::EINVAL),
        "empty routing id"
    );
    assert_eq!(
        socket.set_identity(&[0u8; 256]),
        Err(zmq::Error::EINVAL),
        "too long"
    );
    assert_eq!(
        socket.set_curve_publickey(b"short"),
        Err(zmq::Error::EINVAL)
    );
    assert_eq!(socket.set_linger(-2), Err(zmq::Error::EINVAL));
    assert_eq!(socket.set_sndhwm(-1), Err(zmq::Error::EINVAL));
    assert_eq!(socket.set_heartbeat_ttl(7_000_000), Err(zmq::Error::EINVAL));
    assert_eq!(
        socket.set_subscribe(b"x"),
        Err(zmq::Error::EINVAL),
        "not a SUB"
    );
    assert_eq!(
        socket.set_zap_domain(""),
        Err(zmq::Error::EINVAL),
        "libzmq 4.3.5 rule"
    );
    assert_eq!(
        socket.set_option_raw(23, &[1, 2]),
        Err(zmq::Error::EINVAL),
        "bad length"
    );
    assert_eq!(
        socket.set_option_raw(99_999, &[0; 4]),
        Err(zmq::Error::EINVAL)
    );
    let mut buf = [0u8; 4];
    assert_eq!(
        socket.get_option_raw(99_999, &mut buf),
        Err(zmq::Error::EINVAL)
    );
    // Durations beyond i32 milliseconds saturate instead of wrapping.
    socket
        .set_rcvtimeo_duration(Some(Duration::from_secs(u64::MAX)))
        .unwrap();
    assert_eq!(socket.get_rcvtimeo().unwrap(), i32::MAX);
}

/// A string option longer than 64 KiB reads back whole (the getter grows its buffer).
#[test]
fn long_string_options_read_back() {
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::DEALER).unwrap();
    let proxy = format!("{}:1080", "a".repeat(70_000));
    socket.set_socks_proxy(Some(&proxy)).unwrap();
    assert_eq!(socket.get_socks_proxy().unwrap(), Ok(proxy));
}

/// `ZMQ_USE_FD` hands a listening descriptor to one bind: the socket listens on it, the
/// option is back to -1 afterwards (libzmq would hand the same descriptor to the next
/// bind, and abort there), and the raw setter refuses the option (it is `unsafe`).
#[test]
fn use_fd_hands_one_listener_to_one_bind() {
    use std::os::fd::IntoRawFd;
    let ctx = zmq::Context::new();
    let server = crate::common::socket(&ctx, zmq::REP);
    assert_eq!(
        server.set_option_raw(zmq_sys::ZMQ_USE_FD as i32, &7i32.to_ne_bytes()),
        Err(zmq::Error::EINVAL)
    );
    assert_eq!(server.get_use_fd().unwrap(), -1);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // SAFETY: a listening socket that nothing else uses or closes (into_raw_fd).
    unsafe { server.set_use_fd(listener.into_raw_fd()).unwrap() };
    server.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = server.get_last_endpoint().unwrap().unwrap();
    assert_eq!(endpoint, format!("tcp://127.0.0.1:{port}"));
    assert_eq!(server.get_use_fd().unwrap(), -1);
    // A second bind makes a listener of its own.
    server.bind("tcp://127.0.0.1:*").unwrap();
    assert_ne!(server.get_last_endpoint().unwrap().unwrap(), endpoint);

    let client = crate::common::socket(&ctx, zmq::REQ);
    client.connect(&endpoint).unwrap();
    client.send("through the handed-over listener", 0).unwrap();
    assert_eq!(
        server.recv_bytes(0).unwrap(),
        b"through the handed-over listener"
    );
}
