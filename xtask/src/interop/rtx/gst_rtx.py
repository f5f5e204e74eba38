# GStreamer's side of `cargo xtask interop rtx`: an rtpbin with rtprtxsend (mode `send`) or
# rtprtxreceive (mode `recv`) attached through its request-aux-sender/-receiver signals.
# RTCP is symmetric: the RTCP udpsink sends from the RTCP udpsrc's socket.
import sys, time
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst, GLib

Gst.init(None)
PT, RTX_PT = 96, 97
mode = sys.argv[1]


def aux(factory, mapping, rtx):
    def make(rtpbin, session):
        if not rtx:
            return None
        b = Gst.Bin.new(None)
        el = Gst.ElementFactory.make(factory, None)
        el.set_property("payload-type-map", Gst.Structure.from_string(mapping)[0])
        b.add(el)
        b.add_pad(Gst.GhostPad.new(f"src_{session}", el.get_static_pad("src")))
        b.add_pad(Gst.GhostPad.new(f"sink_{session}", el.get_static_pad("sink")))
        print(f"{factory} attached to session {session}", flush=True)
        return b
    return make


def rtcp_pair(pipeline, rtpbin, local_port, peer_port):
    src = Gst.ElementFactory.make("udpsrc", None)
    src.set_property("port", local_port)
    src.set_property("address", "127.0.0.1")
    sink = Gst.ElementFactory.make("udpsink", None)
    sink.set_property("host", "127.0.0.1")
    sink.set_property("port", peer_port)
    sink.set_property("sync", False)
    sink.set_property("async", False)
    sink.set_property("close-socket", False)
    pipeline.add(src)
    pipeline.add(sink)
    src.set_state(Gst.State.READY)
    sink.set_property("socket", src.get_property("used-socket"))
    assert src.link_pads("src", rtpbin, "recv_rtcp_sink_0")
    assert rtpbin.link_pads("send_rtcp_src_0", sink, "sink")


def negotiated_bandwidth(rtpbin):
    # The call's b=AS:2500, as our side takes it; GStreamer's RTCP interval otherwise
    # keeps its defaults.
    session = rtpbin.emit("get-internal-session", 0)
    session.set_property("bandwidth", 2500000.0)


def run(pipeline, done):
    bus = pipeline.get_bus()
    pipeline.set_state(Gst.State.PLAYING)
    while not done():
        msg = bus.timed_pop_filtered(50 * Gst.MSECOND, Gst.MessageType.ERROR)
        if msg:
            err, dbg = msg.parse_error()
            sys.exit(f"ERROR {err.message} ({dbg})")
    pipeline.set_state(Gst.State.NULL)


if mode == "send":
    # send <our rtp port> <our rtcp port> <local rtcp port> <frames> <ssrc> <encoder> <rtx 0|1>
    our_rtp, our_rtcp, local_rtcp, frames, ssrc = map(int, sys.argv[2:7])
    encoder, rtx = sys.argv[7], sys.argv[8] == "1"
    pipeline = Gst.Pipeline.new(None)
    rtpbin = Gst.ElementFactory.make("rtpbin", None)
    rtpbin.set_property("rtp-profile", "avpf")
    rtpbin.connect("request-aux-sender", aux("rtprtxsend", f"application/x-rtp-pt-map, {PT}=(uint){RTX_PT}", rtx))
    pipeline.add(rtpbin)
    src = Gst.parse_bin_from_description(
        f"{encoder} ! rtph264pay name=pay mtu=1200 pt={PT} ssrc={ssrc}", True)
    pipeline.add(src)
    assert src.link_pads("src", rtpbin, "send_rtp_sink_0")
    sink = Gst.ElementFactory.make("udpsink", None)
    sink.set_property("host", "127.0.0.1")
    sink.set_property("port", our_rtp)
    pipeline.add(sink)
    assert rtpbin.link_pads("send_rtp_src_0", sink, "sink")
    rtcp_pair(pipeline, rtpbin, local_rtcp, our_rtcp)
    negotiated_bandwidth(rtpbin)
    # The clip's EOS is held back so the session keeps answering NACKs for its last
    # frames; the run ends 2 s after it.
    eos = []
    def on_event(pad, info):
        if info.get_event().type == Gst.EventType.EOS:
            eos.append(time.monotonic())
            return Gst.PadProbeReturn.DROP
        return Gst.PadProbeReturn.OK
    src.get_by_name("pay").get_static_pad("src").add_probe(
        Gst.PadProbeType.EVENT_DOWNSTREAM, on_event)
    run(pipeline, lambda: eos and time.monotonic() - eos[0] > 2.0)
    print("sent", flush=True)

elif mode == "recv":
    # recv <local rtp port> <local rtcp port> <our rtcp port> <frames> <timeout s> <rtx 0|1>
    local_rtp, local_rtcp, our_rtcp, frames, timeout = map(int, sys.argv[2:7])
    rtx = sys.argv[7] == "1"
    pipeline = Gst.Pipeline.new(None)
    rtpbin = Gst.ElementFactory.make("rtpbin", None)
    rtpbin.set_property("rtp-profile", "avpf")
    rtpbin.set_property("do-retransmission", rtx)
    rtpbin.connect("request-aux-receiver", aux("rtprtxreceive", f"application/x-rtp-pt-map, {PT}=(uint){RTX_PT}", rtx))
    caps = {
        PT: "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96",
        RTX_PT: f"application/x-rtp,media=video,clock-rate=90000,encoding-name=RTX,payload={RTX_PT},apt={PT}",
    }
    rtpbin.connect("request-pt-map", lambda b, s, pt: Gst.Caps.from_string(caps[pt]) if pt in caps else None)
    jitterbuffers = []
    rtpbin.connect("new-jitterbuffer", lambda b, jb, s, ssrc: jitterbuffers.append(jb))
    pipeline.add(rtpbin)
    udp = Gst.ElementFactory.make("udpsrc", None)
    udp.set_property("port", local_rtp)
    udp.set_property("address", "127.0.0.1")
    udp.set_property("buffer-size", 4194304)
    udp.set_property("caps", Gst.Caps.from_string(caps[PT]))
    pipeline.add(udp)
    assert udp.link_pads("src", rtpbin, "recv_rtp_sink_0")
    rtcp_pair(pipeline, rtpbin, local_rtcp, our_rtcp)
    negotiated_bandwidth(rtpbin)
    decoded = [0]
    last = [time.monotonic()]
    def on_frame(sink, buf, pad):
        decoded[0] += 1
        last[0] = time.monotonic()
    def on_pad(b, pad):
        if not pad.get_name().startswith("recv_rtp_src_"):
            return
        dec = Gst.parse_bin_from_description(
            "rtph264depay ! h264parse ! avdec_h264 ! fakesink name=out sync=false signal-handoffs=true", True)
        dec.get_by_name("out").connect("handoff", on_frame)
        pipeline.add(dec)
        dec.sync_state_with_parent()
        pad.link(dec.get_static_pad("sink"))
    rtpbin.connect("pad-added", on_pad)
    start = time.monotonic()
    print("ready", flush=True)
    run(pipeline, lambda: decoded[0] >= frames and time.monotonic() - last[0] > 1.0
        or time.monotonic() - start > timeout
        or decoded[0] > 0 and time.monotonic() - last[0] > 3.0)
    stats = jitterbuffers[0].get_property("stats") if jitterbuffers else None
    def field(name):
        if stats is None:
            return -1
        ok, v = stats.get_uint64(name)
        return v if ok else -1
    print(f"decoded {decoded[0]} lost {field('num-lost')} rtx-requests {field('rtx-count')} "
          f"rtx-success {field('rtx-success-count')}", flush=True)
