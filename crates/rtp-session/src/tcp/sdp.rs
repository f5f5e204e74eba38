//! RTP over TCP in SDP: `m=<media> <port> TCP/RTP/AVP` (or `TCP/RTP/SAVP`, RFC 4571 §3)
//! with `a=setup` and `a=connection` (RFC 4145), read from the peer's description and
//! written for ours.

use std::net::{IpAddr, SocketAddr};

use super::{TcpSetup, TcpTransport};
use crate::config::Transport;
use crate::error::{Error, Result};

/// The peer's `a=setup` (RFC 4145 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpPeerSetup {
    /// The peer will connect.
    Active,
    /// The peer will accept.
    Passive,
    /// Either (an offer's usual value): the answerer chooses.
    ActPass,
}

/// A TCP media section of the peer's SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpMedia {
    /// The peer's address: the section's (or the session's) `c=` and the `m=` port. For an
    /// active peer the port means nothing (RFC 4145 §4: usually 9, discard).
    pub address: SocketAddr,
    /// `TCP/RTP/SAVP`: SRTP is expected.
    pub secure: bool,
    /// The peer's `a=setup`; `active` when absent (RFC 4145 §4's default).
    pub setup: TcpPeerSetup,
    /// `a=connection:new` (or absent, RFC 4145 §5's default): a new connection is wanted;
    /// false for `existing`.
    pub new_connection: bool,
}

impl TcpMedia {
    /// Reads media section `index` of `sdp`: its protocol must be `TCP/RTP/AVP` or
    /// `TCP/RTP/SAVP` ([`Error::BadConfig`] otherwise, and for `a=setup:holdconn` or an
    /// unknown value), its address an IP address ([`Error::UnresolvedAddress`]).
    pub fn from_sdp(sdp: &str, index: usize) -> Result<Self> {
        let session = sdp_types::Session::parse(sdp.as_bytes())
            .map_err(|e| Error::SdpSyntax(e.to_string()))?;
        let media = session
            .medias
            .get(index)
            .filter(|m| m.port != 0)
            .ok_or(Error::InactiveMedia { index })?;
        let secure = match media.proto.to_ascii_uppercase().as_str() {
            "TCP/RTP/AVP" => false,
            "TCP/RTP/SAVP" => true,
            _ => {
                return Err(Error::BadConfig(
                    "the media section is not TCP/RTP/AVP or TCP/RTP/SAVP",
                ));
            }
        };
        let connection = media
            .connections
            .first()
            .or(session.connection.as_ref())
            .ok_or(Error::UnresolvedAddress)?;
        let ip: IpAddr = connection
            .connection_address
            .split('/')
            .next()
            .and_then(|a| a.parse().ok())
            .ok_or(Error::UnresolvedAddress)?;
        let setup = match media.get_first_attribute_value("setup") {
            None | Some(Some("active")) => TcpPeerSetup::Active,
            Some(Some("passive")) => TcpPeerSetup::Passive,
            Some(Some("actpass")) => TcpPeerSetup::ActPass,
            _ => {
                return Err(Error::BadConfig(
                    "a=setup is not active, passive or actpass",
                ));
            }
        };
        let new_connection = match media.get_first_attribute_value("connection") {
            None | Some(Some("new")) => true,
            Some(Some("existing")) => false,
            _ => return Err(Error::BadConfig("a=connection is not new or existing")),
        };
        Ok(Self {
            address: SocketAddr::new(ip, media.port),
            secure,
            setup,
            new_connection,
        })
    }

    /// Our role against this peer: the opposite of its own; against `actpass` we connect
    /// (RFC 4145 §4.1 leaves the answerer the choice; active needs no port of our own).
    pub fn our_setup(&self) -> TcpSetup {
        match self.setup {
            TcpPeerSetup::Active => TcpSetup::Passive,
            TcpPeerSetup::Passive | TcpPeerSetup::ActPass => TcpSetup::Active,
        }
    }

    /// The transport toward this peer: its address, RTCP multiplexed on the connection,
    /// and [`TcpMedia::our_setup`] with the default bounds.
    pub fn transport(&self) -> Transport {
        Transport {
            remote_rtp: Some(self.address),
            remote_rtcp: Some(self.address),
            rtcp_mux: true,
            latching: false,
            tcp: Some(TcpTransport::new(self.our_setup())),
            ..Transport::default()
        }
    }
}

/// Our media section's lines for RTP over TCP: `m=<media> <port> TCP/RTP/AVP <formats>` (SAVP
/// when `secure`), `a=setup` and `a=connection:new`. An active side announces port 9 (RFC
/// 4145 §4: it accepts no connection); `port` is the listening one of a passive side.
pub fn media_lines(media: &str, setup: TcpSetup, port: u16, secure: bool, formats: &str) -> String {
    let (port, setup) = match setup {
        TcpSetup::Active => (9, "active"),
        TcpSetup::Passive => (port, "passive"),
    };
    let proto = if secure {
        "TCP/RTP/SAVP"
    } else {
        "TCP/RTP/AVP"
    };
    format!("m={media} {port} {proto} {formats}\r\na=setup:{setup}\r\na=connection:new\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sdp(media: &str) -> String {
        format!(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n{media}a=rtpmap:0 PCMU/8000\r\n"
        )
    }

    #[test]
    fn written_lines_read_back() {
        let text = sdp(&media_lines("audio", TcpSetup::Passive, 40000, true, "0"));
        assert!(
            text.contains(
                "m=audio 40000 TCP/RTP/SAVP 0\r\na=setup:passive\r\na=connection:new\r\n"
            )
        );
        let media = TcpMedia::from_sdp(&text, 0).unwrap();
        assert_eq!(
            media,
            TcpMedia {
                address: "192.0.2.7:40000".parse().unwrap(),
                secure: true,
                setup: TcpPeerSetup::Passive,
                new_connection: true,
            }
        );
        assert_eq!(media.our_setup(), TcpSetup::Active);
        let transport = media.transport();
        assert_eq!(transport.remote_rtp, Some(media.address));
        assert!(transport.rtcp_mux && !transport.latching);
        assert_eq!(transport.tcp.map(|t| t.setup), Some(TcpSetup::Active));

        let active = sdp(&media_lines("audio", TcpSetup::Active, 40000, false, "0"));
        assert!(active.contains("m=audio 9 TCP/RTP/AVP 0\r\na=setup:active\r\n"));
        let media = TcpMedia::from_sdp(&active, 0).unwrap();
        assert_eq!((media.secure, media.setup), (false, TcpPeerSetup::Active));
        assert_eq!(media.our_setup(), TcpSetup::Passive);
    }

    #[test]
    fn defaults_and_refusals() {
        let bare = sdp("m=audio 5004 TCP/RTP/AVP 0\r\nc=IN IP6 2001:db8::1\r\n");
        let media = TcpMedia::from_sdp(&bare, 0).unwrap();
        assert_eq!(media.address, "[2001:db8::1]:5004".parse().unwrap());
        assert_eq!(
            (media.setup, media.new_connection),
            (TcpPeerSetup::Active, true)
        );
        let actpass =
            sdp("m=audio 5004 TCP/RTP/AVP 0\r\na=setup:actpass\r\na=connection:existing\r\n");
        let media = TcpMedia::from_sdp(&actpass, 0).unwrap();
        assert_eq!(
            (media.our_setup(), media.new_connection),
            (TcpSetup::Active, false)
        );
        for bad in [
            "m=audio 5004 RTP/AVP 0\r\n",
            "m=audio 5004 TCP/RTP/AVP 0\r\na=setup:holdconn\r\n",
            "m=audio 5004 TCP/RTP/AVP 0\r\na=connection:maybe\r\n",
        ] {
            assert!(
                matches!(TcpMedia::from_sdp(&sdp(bad), 0), Err(Error::BadConfig(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            TcpMedia::from_sdp(&sdp("m=audio 0 TCP/RTP/AVP 0\r\n"), 0),
            Err(Error::InactiveMedia { index: 0 })
        ));
    }
}
