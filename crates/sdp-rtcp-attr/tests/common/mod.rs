//! SDP bodies and helpers shared by the integration tests.

use std::net::SocketAddr;

use sdp_rtcp_attr::{Body, Endpoints, MuxPolicy, Resolution};

/// A Chrome-style offer: BUNDLE, ICE placeholders, rtcp-mux in every RTP section, and a
/// data channel.
pub const BROWSER_OFFER: &str = "v=0\r
o=- 4611731400430051336 2 IN IP4 127.0.0.1\r
s=-\r
t=0 0\r
a=group:BUNDLE 0 1 2\r
a=extmap-allow-mixed\r
a=msid-semantic: WMS stream\r
m=audio 9 UDP/TLS/RTP/SAVPF 111 63 0 8 126\r
c=IN IP4 0.0.0.0\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=ice-ufrag:EsAw\r
a=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r
a=ice-options:trickle\r
a=fingerprint:sha-256 0F:74:31:25:CB:A2:13:EC:28:6F:6D:2C:61:FF:5D:C2:BC:B9:DB:3D:98:14:8D:1A:BB:EA:33:0C:A4:60:A8:8E\r
a=setup:actpass\r
a=mid:0\r
a=sendrecv\r
a=msid:stream audio0\r
a=rtcp-mux\r
a=rtpmap:111 opus/48000/2\r
a=rtcp-fb:111 transport-cc\r
a=fmtp:111 minptime=10;useinbandfec=1\r
a=rtpmap:126 telephone-event/8000\r
a=ssrc:1001 cname:4TOk42mSjXCkVIa6\r
m=video 9 UDP/TLS/RTP/SAVPF 96 97\r
c=IN IP4 0.0.0.0\r
a=rtcp:9 IN IP4 0.0.0.0\r
a=mid:1\r
a=sendrecv\r
a=rtcp-mux\r
a=rtcp-rsize\r
a=rtpmap:96 VP8/90000\r
a=rtcp-fb:96 nack pli\r
a=rtpmap:97 rtx/90000\r
a=fmtp:97 apt=96\r
m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r
c=IN IP4 0.0.0.0\r
a=mid:2\r
a=sctp-port:5000\r
";

/// A SIP phone's offer: separate RTP and RTCP ports, audio RTCP mapped by a NAT to
/// another address, video with its own c= line, and a disabled stream.
pub const SIP_OFFER: &str = "v=0\r
o=alice 2890844526 2890844526 IN IP4 198.51.100.5\r
s=call\r
c=IN IP4 198.51.100.5\r
t=0 0\r
m=audio 16384 RTP/AVP 0 8 101\r
a=rtpmap:0 PCMU/8000\r
a=rtpmap:101 telephone-event/8000\r
a=fmtp:101 0-15\r
a=rtcp:16385 IN IP4 203.0.113.7\r
a=sendrecv\r
m=video 16386 RTP/AVP 96\r
c=IN IP4 198.51.100.6\r
a=rtpmap:96 H264/90000\r
a=rtcp:50001\r
m=audio 16388 RTP/AVP 0\r
m=audio 0 RTP/AVP 0\r
";

pub fn active(resolution: &Resolution) -> &Endpoints {
    match resolution {
        Resolution::Active(endpoints) => endpoints,
        other => panic!("expected an active stream, got {other:?}"),
    }
}

pub fn addr(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

/// The streams of the SDP body `text`, resolved accepting multiplexing.
pub fn resolve(text: &str) -> Vec<Resolution> {
    Body::scan(text)
        .unwrap()
        .resolve(MuxPolicy::Accept)
        .unwrap()
}
