//! A private LAN for tests (feature `testing`): mDNS needs IP multicast on a non-loopback
//! interface, and a test must not multicast onto the machine's real network.
//!
//! [`on_private_lan`] re-runs the calling test inside a user and network namespace of its own
//! (`unshare --user --map-root-user --net`, unprivileged), where it is root and makes a veth pair
//! `bansao-a` ([`ADDRESS_A`]/24) ⇄ `bansao-b` ([`ADDRESS_B`]/24); nothing sent there leaves the
//! namespace. Where namespaces or veth cannot be made, the test fails with a message starting
//! `ENVIRONMENT LIMIT`, never passes silently.

use std::net::Ipv4Addr;
use std::process::Command;

/// Set in the re-run child to the parent's network namespace, so the child can check it really
/// is in another one before it touches any interface.
const CHILD_MARKER: &str = "BANSAO_PRIVATE_LAN_PARENT_NETNS";

/// The address of `bansao-a`.
pub const ADDRESS_A: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 1);
/// The address of `bansao-b`.
pub const ADDRESS_B: Ipv4Addr = Ipv4Addr::new(10, 77, 0, 2);

/// Runs `body` on a private LAN: in the re-run child, after making the veth pair; in the
/// parent, re-runs the test `test_name` (its full path in the test binary) in a new namespace
/// and panics with the child's output unless it passed.
pub fn on_private_lan(test_name: &str, body: impl FnOnce()) {
    match std::env::var(CHILD_MARKER) {
        Ok(parent_netns) => {
            assert_ne!(
                network_namespace(),
                parent_netns,
                "refusing to create interfaces: not in a private network namespace"
            );
            make_private_lan();
            body();
        }
        Err(_) => rerun_in_private_network_namespace(test_name),
    }
}

/// `ip -brief address` of this namespace, for failure messages.
pub fn interfaces() -> String {
    Command::new("ip")
        .args(["-brief", "address"])
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).into_owned())
        .unwrap_or_default()
}

fn network_namespace() -> String {
    std::fs::read_link("/proc/self/ns/net")
        .map(|link| link.display().to_string())
        .unwrap_or_else(|error| panic!("ENVIRONMENT LIMIT: cannot read /proc/self/ns/net: {error}"))
}

fn rerun_in_private_network_namespace(test_name: &str) {
    let exe = std::env::current_exe()
        .unwrap_or_else(|error| panic!("cannot find the running test binary: {error}"));
    let output = Command::new("unshare")
        .args(["--user", "--map-root-user", "--net", "--"])
        .arg(exe)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_MARKER, network_namespace())
        .output()
        .unwrap_or_else(|error| {
            panic!(
                "ENVIRONMENT LIMIT: cannot run `unshare` (util-linux) to make a private network \
                 namespace for an mDNS test: {error}"
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Prefixed, so the child's own summary line is not counted as a second test result.
    let transcript = format!(
        "child stdout:\n{}\nchild stderr:\n{}",
        prefixed(&stdout),
        prefixed(&stderr)
    );
    if stderr.starts_with("unshare:") {
        panic!(
            "ENVIRONMENT LIMIT: this machine does not allow an unprivileged user + network \
             namespace, so there is no private interface with multicast for an mDNS test \
             (check /proc/sys/user/max_user_namespaces, kernel.unprivileged_userns_clone, or a \
             seccomp/AppArmor policy)\n{transcript}"
        );
    }
    assert!(
        output.status.success(),
        "the test failed in its network namespace\n{transcript}"
    );
    assert!(
        stdout.contains("1 passed"),
        "the child ran no test\n{transcript}"
    );
}

fn prefixed(text: &str) -> String {
    text.lines()
        .map(|line| format!("  child| {line}\n"))
        .collect()
}

/// A veth pair `bansao-a` ⇄ `bansao-b` with their addresses, both up, and `lo` up.
fn make_private_lan() {
    let commands = [
        "link set lo up".to_owned(),
        "link add bansao-a type veth peer name bansao-b".to_owned(),
        format!("addr add {ADDRESS_A}/24 dev bansao-a"),
        format!("addr add {ADDRESS_B}/24 dev bansao-b"),
        "link set bansao-a up".to_owned(),
        "link set bansao-b up".to_owned(),
    ];
    for args in &commands {
        let output = Command::new("ip")
            .args(args.split(' '))
            .output()
            .unwrap_or_else(|error| {
                panic!("ENVIRONMENT LIMIT: cannot run `ip` (iproute2): {error}")
            });
        assert!(
            output.status.success(),
            "ENVIRONMENT LIMIT: `ip {args}` failed in the test's network namespace: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
