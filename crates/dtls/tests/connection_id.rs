//! Connection IDs (RFC 9146 for DTLS 1.2, RFC 9147 §9 for DTLS 1.3) between our client
//! and our server: negotiation with CIDs of 0, 1, 8 and 255 bytes either way, the record
//! formats on the wire (content type 25 with the CID after the sequence number; the C bit
//! with the CID after the first byte), and records with a CID before negotiation, with a
//! wrong CID, forged, or missing their CID, dropped and counted in every state.

mod common;

use common::*;
use dtls::internal::dtls13::{CID_BIT, is_unified, parse_unified_header_with_cid};
use dtls::{
    Config, Connection, ConnectionId, Event, ProtocolVersion, Received, State, connection_id,
};
use std::time::Instant;

fn with_cid(c: &Config, version: ProtocolVersion, cid: Option<&[u8]>) -> Config {
    let mut c = c.clone();
    c.max_version = version;
    c.connection_id = cid.map(|b| ConnectionId::new(b.to_vec()).unwrap());
    c
}

fn cid_pair(
    version: ProtocolVersion,
    client: Option<&[u8]>,
    server: Option<&[u8]>,
    now: Instant,
) -> (Connection, Connection) {
    pair_of(
        with_cid(&configs().0, version, client),
        with_cid(&configs().1, version, server),
        now,
    )
}

/// The only application data event queued.
fn data(c: &mut Connection) -> Vec<u8> {
    let mut got: Vec<Vec<u8>> = drain_events(c)
        .into_iter()
        .filter_map(|e| match e {
            Event::ApplicationData(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(got.len(), 1);
    got.remove(0)
}

/// A DTLS 1.2 `tls12_cid` record: type 25, version, epoch, sequence number, CID, length,
/// fragment.
fn cid_record(epoch: u16, seq: u64, cid: &[u8], fragment: &[u8]) -> Vec<u8> {
    let mut d = vec![25, 0xFE, 0xFD];
    d.extend_from_slice(&epoch.to_be_bytes());
    d.extend_from_slice(&seq.to_be_bytes()[2..]);
    d.extend_from_slice(cid);
    d.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    d.extend_from_slice(fragment);
    d
}

/// Checks one protected datagram of application data from a sender whose peer asked
/// for `cid` (what the sender must write into it).
fn assert_wire_format(version: ProtocolVersion, d: &[u8], cid: &[u8]) {
    match version {
        ProtocolVersion::Dtls12 if cid.is_empty() => {
            assert_eq!(
                d[0], 23,
                "an ordinary record when the peer asked for no CID"
            );
        }
        ProtocolVersion::Dtls12 => {
            assert_eq!(d[0], 25, "tls12_cid");
            assert_eq!(&d[3..5], &[0, 1], "epoch 1");
            assert_eq!(&d[11..11 + cid.len()], cid);
            let len = u16::from_be_bytes([d[11 + cid.len()], d[12 + cid.len()]]);
            assert_eq!(usize::from(len), d.len() - 13 - cid.len());
        }
        ProtocolVersion::Dtls13 => {
            assert!(is_unified(d[0]));
            assert_eq!(d[0] & CID_BIT != 0, !cid.is_empty(), "C bit");
            let h = parse_unified_header_with_cid(d, cid.len()).unwrap();
            assert_eq!(&d[1..1 + h.cid_len], cid);
        }
    }
    if cid.is_empty() {
        assert_eq!(connection_id(d, 4), None);
    } else {
        assert_eq!(connection_id(d, cid.len()), Some(cid));
    }
}

fn round_trip(version: ProtocolVersion, client: Option<&[u8]>, server: Option<&[u8]>) {
    let now = Instant::now();
    let (mut c, mut s) = cid_pair(version, client, server, now);
    finish(&mut c, &mut s, now);
    assert_eq!(c.protocol_version(), Some(version));
    let negotiated = client.is_some() && server.is_some();
    let id = |b: Option<&[u8]>| b.map(|b| ConnectionId::new(b.to_vec()).unwrap());
    if negotiated {
        assert_eq!(c.local_connection_id(), id(client).as_ref());
        assert_eq!(c.peer_connection_id(), id(server).as_ref());
        assert_eq!(s.local_connection_id(), id(server).as_ref());
        assert_eq!(s.peer_connection_id(), id(client).as_ref());
    } else {
        for x in [&c, &s] {
            assert_eq!(x.local_connection_id(), None);
            assert_eq!(x.peer_connection_id(), None);
        }
    }
    drain_events(&mut c);
    drain_events(&mut s);
    let (to_server, to_client) = if negotiated {
        (server.unwrap_or_default(), client.unwrap_or_default())
    } else {
        (&[][..], &[][..])
    };
    c.send_application_data(b"client to server").unwrap();
    let d = c.poll_transmit().unwrap().to_vec();
    assert_wire_format(version, &d, to_server);
    assert_eq!(s.handle_datagram(now, &d), Ok(Received::Processed));
    assert_eq!(data(&mut s), b"client to server");
    s.send_application_data(b"server to client").unwrap();
    let d = s.poll_transmit().unwrap().to_vec();
    assert_wire_format(version, &d, to_client);
    assert_eq!(c.handle_datagram(now, &d), Ok(Received::Processed));
    assert_eq!(data(&mut c), b"server to client");
    assert_eq!((c.dropped_records(), s.dropped_records()), (0, 0));
}

/// A case: the CID the client asks for, the one the server asks for (`None`: no extension).
type CidCase = (Option<&'static [u8]>, Option<&'static [u8]>);

const CASES: &[CidCase] = &[
    (Some(&[]), Some(&[])),
    (Some(&[0xC1]), Some(&[1, 2, 3, 4, 5, 6, 7, 8])),
    (Some(&[1, 2, 3, 4, 5, 6, 7, 8]), Some(&[0x5E])),
    (Some(&[0xAB; 255]), Some(&[])),
    (Some(&[]), Some(&[0xCD; 255])),
    (Some(&[0xAB; 255]), Some(&[0xCD; 255])),
    (None, Some(&[1, 2, 3, 4])),
    (Some(&[1, 2, 3, 4]), None),
];

#[test]
fn dtls12_round_trips_with_every_cid_length() {
    for (client, server) in CASES {
        round_trip(ProtocolVersion::Dtls12, *client, *server);
    }
}

#[test]
fn dtls13_round_trips_with_every_cid_length() {
    for (client, server) in CASES {
        round_trip(ProtocolVersion::Dtls13, *client, *server);
    }
}

/// A 1.3-offering client with a CID against a server capped at 1.2: the ClientHello's
/// extension carries over to the 1.2 handshake.
#[test]
fn a_dtls13_offer_falls_back_to_dtls12_with_its_cid() {
    let now = Instant::now();
    let (mut c, mut s) = pair_of(
        with_cid(&configs().0, ProtocolVersion::Dtls13, Some(&[7, 7])),
        with_cid(&configs().1, ProtocolVersion::Dtls12, Some(&[9])),
        now,
    );
    finish(&mut c, &mut s, now);
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::Dtls12));
    assert_eq!(c.peer_connection_id().unwrap().as_bytes(), &[9]);
    assert_eq!(s.peer_connection_id().unwrap().as_bytes(), &[7, 7]);
    drain_events(&mut s);
    c.send_application_data(b"x").unwrap();
    let d = c.poll_transmit().unwrap().to_vec();
    assert_wire_format(ProtocolVersion::Dtls12, &d, &[9]);
    assert_eq!(s.handle_datagram(now, &d), Ok(Received::Processed));
}

/// The first protected (unified-header) record of a datagram, whose CIDs are `cid_len`
/// bytes long, past its plaintext records.
fn first_unified_record(mut d: &[u8], cid_len: usize) -> Vec<u8> {
    while !is_unified(d[0]) {
        let len = usize::from(u16::from_be_bytes([d[11], d[12]]));
        d = &d[13 + len..];
    }
    let h = parse_unified_header_with_cid(d, cid_len).unwrap();
    d[..h.header_len + h.record_len].to_vec()
}

/// Every datagram here must be dropped and counted without changing anything.
fn assert_dropped(x: &mut Connection, now: Instant, datagrams: &[Vec<u8>]) {
    let state = x.state();
    drain_events(x);
    for d in datagrams {
        let before = x.dropped_records();
        assert_eq!(x.handle_datagram(now, d), Ok(Received::Dropped), "{d:02x?}");
        assert!(x.dropped_records() > before, "not counted: {d:02x?}");
        assert_eq!(x.state(), state);
        assert!(x.poll_transmit().is_none(), "answered {d:02x?}");
        assert!(x.poll_event().is_none());
    }
}

/// CID records nobody negotiated: tls12_cid of several CID lengths, and unified headers
/// with the C bit.
fn unnegotiated_cid_records() -> Vec<Vec<u8>> {
    vec![
        cid_record(1, 0, &[0xC1], &[0; 24]),
        cid_record(1, 5, &[1, 2, 3, 4], &[0xAA; 40]),
        cid_record(0, 0, &[], &[22, 0, 0]),
        vec![0x3F, 0xC1, 0, 1, 0, 24],
        [vec![0x3F, 0xC1, 0xC2, 0, 1, 0, 20], vec![0x55; 20]].concat(),
        [vec![0x32, 1, 2, 3, 4, 5], vec![0x55; 30]].concat(),
    ]
}

#[test]
fn dtls12_cid_records_fail_closed_in_every_state() {
    let now = Instant::now();
    let ours = [0xC1, 0xC2, 0xC3, 0xC4];
    let (mut c, mut s) = cid_pair(ProtocolVersion::Dtls12, Some(&[0x11]), Some(&ours), now);
    // Fresh: nothing negotiated, so no CID record parses.
    let hello = c.poll_transmit().unwrap().to_vec();
    assert_dropped(&mut c, now, &unnegotiated_cid_records());
    assert_dropped(&mut s, now, &unnegotiated_cid_records());
    s.handle_datagram(now, &hello).unwrap();
    let hvr = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &hvr).unwrap();
    let hello = c.poll_transmit().unwrap().to_vec();
    s.handle_datagram(now, &hello).unwrap();
    // Mid-handshake: the server sent flight 4 (CID negotiated), the client's final flight
    // has not come.
    let flight: Vec<Vec<u8>> =
        std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert_eq!(s.local_connection_id().unwrap().as_bytes(), &ours);
    let mid_handshake = vec![
        cid_record(1, 0, &[0xC1, 0xC2, 0xC3, 0xC5], &[0; 40]),
        cid_record(0, 9, &ours, &[22; 40]),
        record(1, 0, dtls::internal::ContentType::Handshake, &[0; 40]),
        cid_record(1, 0, &ours[..3], &[]),
    ];
    assert_dropped(&mut s, now, &mid_handshake);
    for d in &flight {
        c.handle_datagram(now, d).unwrap();
    }
    finish(&mut c, &mut s, now);
    drain_events(&mut c);
    drain_events(&mut s);
    // Established: a genuine record altered in its CID, its ciphertext or its CID length
    // field, an ordinary record where a CID is expected, and a replay.
    c.send_application_data(b"genuine").unwrap();
    let genuine = c.poll_transmit().unwrap().to_vec();
    assert_eq!(genuine[0], 25);
    let mut wrong_cid = genuine.clone();
    wrong_cid[12] ^= 0x01;
    let mut forged = genuine.clone();
    *forged.last_mut().unwrap() ^= 0x80;
    let mut no_cid = genuine[..11].to_vec();
    no_cid[0] = 23;
    no_cid.extend_from_slice(&genuine[15..]);
    let mut as_plaintext = genuine.clone();
    as_plaintext[3..5].copy_from_slice(&[0, 0]);
    assert_dropped(
        &mut s,
        now,
        &[
            wrong_cid,
            forged,
            no_cid,
            as_plaintext,
            cid_record(1, 77, &ours, &[0; 40]),
        ],
    );
    assert_eq!(s.handle_datagram(now, &genuine), Ok(Received::Processed));
    assert_eq!(data(&mut s), b"genuine");
    assert_dropped(&mut s, now, &[genuine]);
    // The client asked for a one-byte CID: four bytes of CID are another CID.
    assert_dropped(&mut c, now, &[cid_record(1, 3, &[0x11], &[0; 40])]);
    assert_eq!((c.state(), s.state()), (State::Connected, State::Connected));
}

#[test]
fn dtls12_without_negotiated_cids_drops_cid_records() {
    let now = Instant::now();
    // The client offers a CID, the server does not answer it.
    let (mut c, mut s) = cid_pair(ProtocolVersion::Dtls12, Some(&[5]), None, now);
    finish(&mut c, &mut s, now);
    assert_eq!(c.local_connection_id(), None);
    assert_dropped(&mut c, now, &unnegotiated_cid_records());
    assert_dropped(&mut c, now, &[cid_record(1, 0, &[5], &[0; 40])]);
    assert_dropped(&mut s, now, &unnegotiated_cid_records());
}

#[test]
fn dtls13_cid_records_fail_closed_in_every_state() {
    let now = Instant::now();
    let ours = [0xD1, 0xD2];
    let (mut c, mut s) = cid_pair(ProtocolVersion::Dtls13, Some(&ours), Some(&[0x22; 8]), now);
    // Fresh.
    let ch1 = c.poll_transmit().unwrap().to_vec();
    assert_dropped(&mut c, now, &unnegotiated_cid_records());
    assert_dropped(&mut s, now, &unnegotiated_cid_records());
    // Mid-handshake: the client has the first datagram of the server's flight (CIDs
    // negotiated), the server waits for the client's flight.
    s.handle_datagram(now, &ch1).unwrap();
    let hrr = s.poll_transmit().unwrap().to_vec();
    c.handle_datagram(now, &hrr).unwrap();
    let ch2 = c.poll_transmit().unwrap().to_vec();
    s.set_mtu(300);
    s.handle_datagram(now, &ch2).unwrap();
    assert_eq!(s.local_connection_id().unwrap().as_bytes(), &[0x22; 8]);
    let flight: Vec<Vec<u8>> =
        std::iter::from_fn(|| s.poll_transmit().map(<[u8]>::to_vec)).collect();
    assert!(flight.len() > 2);
    c.handle_datagram(now, &flight[0]).unwrap();
    assert_eq!(c.peer_connection_id().unwrap().as_bytes(), &[0x22; 8]);
    // The server's epoch-2 records carry the client's CID.
    let protected = first_unified_record(&flight[1], ours.len());
    assert_eq!(protected[0] & CID_BIT, CID_BIT);
    assert_eq!(&protected[1..3], &ours);
    let mut wrong = protected.clone();
    wrong[2] ^= 1;
    let mut forged = protected.clone();
    *forged.last_mut().unwrap() ^= 1;
    let mut stripped = vec![protected[0] & !CID_BIT];
    stripped.extend_from_slice(&protected[3..]);
    assert_dropped(&mut c, now, &[wrong, forged, stripped]);
    assert_dropped(&mut s, now, &unnegotiated_cid_records());
    let flight = &flight[1..];
    for d in flight {
        c.handle_datagram(now, d).unwrap();
    }
    assert_eq!(pump(&mut c, &mut s, now), (None, None));
    assert!(c.is_connected() && s.is_connected());
    // Established.
    s.send_application_data(b"genuine").unwrap();
    let genuine = s.poll_transmit().unwrap().to_vec();
    assert_eq!(genuine[0] & CID_BIT, CID_BIT);
    let mut wrong = genuine.clone();
    wrong[1] ^= 0x80;
    let mut forged = genuine.clone();
    *forged.last_mut().unwrap() ^= 1;
    let mut stripped = vec![genuine[0] & !CID_BIT];
    stripped.extend_from_slice(&genuine[3..]);
    let mut long = vec![genuine[0]];
    long.extend_from_slice(&[0xD1, 0xD2, 0xD3]);
    long.extend_from_slice(&genuine[3..]);
    assert_dropped(&mut c, now, &[wrong, forged, stripped, long]);
    assert_eq!(c.handle_datagram(now, &genuine), Ok(Received::Processed));
    assert_eq!(data(&mut c), b"genuine");
    assert_dropped(&mut c, now, &[genuine]);
    assert_dropped(&mut c, now, &unnegotiated_cid_records()[..3]);
    assert_eq!((c.state(), s.state()), (State::Connected, State::Connected));
}

#[test]
fn dtls13_without_negotiated_cids_drops_cid_records() {
    let now = Instant::now();
    let (mut c, mut s) = cid_pair(ProtocolVersion::Dtls13, None, Some(&[1, 2]), now);
    finish(&mut c, &mut s, now);
    assert_eq!(s.local_connection_id(), None);
    assert_dropped(&mut s, now, &unnegotiated_cid_records());
    s.send_application_data(b"x").unwrap();
    let d = s.poll_transmit().unwrap().to_vec();
    assert_eq!(d[0] & CID_BIT, 0);
}

#[test]
fn connection_ids_are_at_most_255_bytes() {
    assert!(ConnectionId::new(vec![0; 255]).is_ok());
    assert_eq!(
        ConnectionId::new(vec![0; 256]),
        Err(dtls::Error::InvalidLength {
            what: "connection ID",
            len: 256
        })
    );
}

/// A peer asking for a 255-byte CID under our smallest MTU (256): no record fits, yet
/// every flight still goes out (fragments over the MTU rather than none) and the
/// handshake completes in both versions, never looping or overflowing.
#[test]
fn a_255_byte_cid_under_the_smallest_mtu_still_handshakes() {
    for version in [ProtocolVersion::Dtls12, ProtocolVersion::Dtls13] {
        let now = Instant::now();
        let mut cc = with_cid(&configs().0, version, Some(&[0xAA; 255]));
        let mut sc = with_cid(&configs().1, version, Some(&[0xBB; 255]));
        cc.mtu = dtls::MIN_MTU;
        sc.mtu = dtls::MIN_MTU;
        let (mut c, mut s) = pair_of(cc, sc, now);
        finish(&mut c, &mut s, now);
        drain_events(&mut s);
        c.send_application_data(b"long ids").unwrap();
        let d = c.poll_transmit().unwrap().to_vec();
        assert_wire_format(version, &d, &[0xBB; 255]);
        assert_eq!(s.handle_datagram(now, &d), Ok(Received::Processed));
        assert_eq!(data(&mut s), b"long ids");
    }
}
