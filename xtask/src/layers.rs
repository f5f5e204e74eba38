//! `cargo xtask layers`: the layering rule of `docs/architecture.md`.
//!
//! The nine protocol crates and the `rtpx` tool on top of them form a strict order; a crate may depend only on crates that come
//! before it. The order is the architecture and is written here; the edges are read from
//! `cargo metadata` every time, so a new dependency is checked the moment it is added.
//! Test-support crates under `testing/` are outside the order: a layer crate may use them
//! only as dev-dependencies, and they may depend on no layer crate.

use crate::util::{Result, cargo, output};
use serde_json::Value;

/// The layer crates, bottom first.
pub const LAYERS: [&str; 10] = [
    "rtp-packet",
    "rtcp",
    "sdp-rtcp-attr",
    "srtp",
    "dtls",
    "jitter-buffer",
    "stats",
    "stun",
    "rtp-session",
    "rtpx",
];

pub fn run() -> Result {
    let mut cmd = cargo();
    cmd.args(["metadata", "--format-version", "1", "--no-deps"]);
    let meta: Value = serde_json::from_str(&output(&mut cmd)?)
        .map_err(|e| format!("cargo metadata printed invalid JSON: {e}"))?;
    let violations = check(&meta)?;
    if violations.is_empty() {
        eprintln!(
            "layers: ok ({} crates in order: {})",
            LAYERS.len(),
            LAYERS.join(" < ")
        );
        Ok(())
    } else {
        for v in &violations {
            eprintln!("layers: {v}");
        }
        Err(format!("{} layering violation(s)", violations.len()))
    }
}

/// Returns one message per offending dependency edge.
fn check(meta: &Value) -> Result<Vec<String>> {
    let packages = meta["packages"]
        .as_array()
        .ok_or("cargo metadata has no `packages`")?;
    let root = meta["workspace_root"].as_str().unwrap_or_default();
    let members: Vec<(&str, &str)> = packages
        .iter()
        .filter_map(|p| Some((p["name"].as_str()?, p["manifest_path"].as_str()?)))
        .collect();
    let is_test_support = |name: &str| {
        members.iter().any(|(n, manifest)| {
            *n == name
                && manifest
                    .strip_prefix(root)
                    .is_some_and(|rel| rel.starts_with("/testing/"))
        })
    };
    for layer in LAYERS {
        if !members.iter().any(|(n, _)| *n == layer) {
            return Err(format!("layer crate `{layer}` is not a workspace member"));
        }
    }
    let rank = |name: &str| LAYERS.iter().position(|l| *l == name);
    let mut violations = Vec::new();
    for pkg in packages {
        let from = pkg["name"].as_str().unwrap_or_default();
        let deps = pkg["dependencies"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for dep in deps {
            // Only workspace crates matter: a path dependency on a member.
            if dep["path"].is_null() {
                continue;
            }
            let to = dep["name"].as_str().unwrap_or_default();
            let kind = dep["kind"].as_str().unwrap_or("normal");
            match (rank(from), rank(to)) {
                (Some(f), Some(t)) if t >= f => violations.push(format!(
                    "`{from}` (layer {}) has a {kind} dependency on `{to}` (layer {}): a crate may depend only on crates before it",
                    f + 1,
                    t + 1
                )),
                (Some(_), None) if is_test_support(to) && kind != "dev" => violations.push(format!(
                    "`{from}` has a {kind} dependency on test-support crate `{to}`: allowed only as a dev-dependency"
                )),
                (None, Some(_)) if is_test_support(from) => violations.push(format!(
                    "test-support crate `{from}` depends on layer crate `{to}`: test support must stay below every layer"
                )),
                _ => {}
            }
        }
    }
    Ok(violations)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(edges: &[(&str, &str, &str)]) -> Value {
        let mut names: Vec<&str> = LAYERS.to_vec();
        names.push("netsim");
        let packages: Vec<Value> = names
            .iter()
            .map(|n| {
                let dir = if *n == "netsim" { "testing" } else { "crates" };
                let deps: Vec<Value> = edges
                    .iter()
                    .filter(|(f, _, _)| f == n)
                    .map(|(_, t, k)| {
                        serde_json::json!({"name": t, "path": "/x", "kind": if *k == "normal" { Value::Null } else { Value::from(*k) }})
                    })
                    .collect();
                serde_json::json!({"name": n, "manifest_path": format!("/ws/{dir}/{n}/Cargo.toml"), "dependencies": deps})
            })
            .collect();
        serde_json::json!({"workspace_root": "/ws", "packages": packages})
    }

    #[test]
    fn downward_edges_pass() {
        let m = meta(&[
            ("rtcp", "rtp-packet", "normal"),
            ("rtp-session", "srtp", "normal"),
            ("dtls", "netsim", "dev"),
        ]);
        assert_eq!(check(&m).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn upward_edge_is_named() {
        let m = meta(&[("rtp-packet", "rtcp", "normal")]);
        assert_eq!(
            check(&m).unwrap(),
            vec!["`rtp-packet` (layer 1) has a normal dependency on `rtcp` (layer 2): a crate may depend only on crates before it".to_string()]
        );
    }

    #[test]
    fn upward_dev_edge_and_test_support_misuse_fail() {
        let m = meta(&[
            ("srtp", "dtls", "dev"),
            ("stats", "netsim", "normal"),
            ("netsim", "rtp-packet", "normal"),
        ]);
        let v = check(&m).unwrap();
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v[0].contains("`srtp` (layer 4) has a dev dependency on `dtls`"));
    }
}
