//! Running tshark over a pcap: reading fields and collecting its complaints.

use crate::util::{Result, ensure_apt, output};
use std::path::Path;
use std::process::Command;

/// Makes sure tshark is installed.
pub fn ensure() -> Result {
    ensure_apt(&[("tshark", "tshark")])
}

fn tshark(pcap: &Path, decode_as: &[&str]) -> Command {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(pcap);
    for d in decode_as {
        cmd.args(["-d", d]);
    }
    cmd
}

/// One row per packet, one column per field; several occurrences of a field in a packet
/// are joined with `,`. `decode_as` entries are tshark `-d` rules (`udp.port==5004,rtp`).
pub fn fields(pcap: &Path, decode_as: &[&str], fields: &[&str]) -> Result<Vec<Vec<String>>> {
    let mut cmd = tshark(pcap, decode_as);
    cmd.args([
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=,",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    Ok(output(&mut cmd)?
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect())
}

/// Every malformed-packet mark and every expert entry of severity warning or error, as
/// `frame N: message`. An empty list means tshark found nothing wrong.
pub fn problems(pcap: &Path, decode_as: &[&str]) -> Result<Vec<String>> {
    const WARNING: u64 = 0x0060_0000;
    let rows = fields(
        pcap,
        decode_as,
        &[
            "frame.number",
            "_ws.malformed",
            "_ws.expert.message",
            "_ws.expert.severity",
        ],
    )?;
    let mut found = Vec::new();
    for row in rows {
        let get = |i: usize| row.get(i).map(String::as_str).unwrap_or("");
        if !get(1).is_empty() {
            found.push(format!("frame {}: malformed packet", get(0)));
        }
        let messages: Vec<&str> = if get(2).is_empty() {
            vec![]
        } else {
            get(2).split(',').collect()
        };
        for (i, sev) in get(3).split(',').filter(|s| !s.is_empty()).enumerate() {
            let level: u64 = sev.parse().unwrap_or(u64::MAX);
            if level >= WARNING {
                let msg = messages.get(i).copied().unwrap_or("(no message)");
                found.push(format!(
                    "frame {}: expert {}: {msg}",
                    get(0),
                    severity_name(level)
                ));
            }
        }
    }
    Ok(found)
}

fn severity_name(level: u64) -> &'static str {
    if level >= 0x0080_0000 {
        "error"
    } else {
        "warning"
    }
}
