//! Small helpers shared by the commands: running programs and installing Debian packages.

use std::path::PathBuf;
use std::process::Command;

/// The error type of every command: a message for the person reading CI output.
pub type Result<T = ()> = std::result::Result<T, String>;

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

/// The `cargo` that runs us, so nested invocations use the same toolchain.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd`, echoing it first, and fails unless it exits successfully.
pub fn sh(cmd: &mut Command) -> Result {
    eprintln!("$ {}", describe(cmd));
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(cmd)))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed with {status}", describe(cmd)))
    }
}

/// Runs `cmd` and returns its standard output; fails (with its stderr) unless it succeeds.
pub fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(cmd)))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed with {}:\n{}",
            describe(cmd),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("`{}` printed non-UTF-8: {e}", describe(cmd)))
}

/// A shell-like rendering of a command for logs.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// True when `program` is found on `PATH`.
pub fn have(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Makes sure each `(program or file, debian package)` pair is present, installing the
/// missing packages with apt-get. A path with a `/` is checked as a file, anything else as a
/// program on `PATH`. Never skips: if the install fails, the caller fails.
pub fn ensure_apt(needs: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = needs
        .iter()
        .filter(|(what, _)| {
            if what.contains('/') {
                !std::path::Path::new(what).exists()
            } else {
                !have(what)
            }
        })
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("installing Debian packages: {}", missing.join(" "));
    let sudo = !is_root();
    let mut update = apt_command(sudo);
    update.args(["update", "-qq"]);
    sh(&mut update)?;
    let mut install = apt_command(sudo);
    install
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    sh(&mut install)
}

fn apt_command(sudo: bool) -> Command {
    if sudo {
        let mut c = Command::new("sudo");
        c.arg("apt-get");
        c
    } else {
        Command::new("apt-get")
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
