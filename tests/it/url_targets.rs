//! Targets as users paste them: the agent's manager URL (`dsm://HOST:4120/`)
//! and the console's (`https://HOST:4119/`).

use crate::common::{profile_of, scan_json};
use crate::servers::emulate;

#[test]
fn url_targets_give_host_and_port() {
    let emulator = emulate("dsm-strong-12");
    let port = emulator.local_addr().port();
    for url in [
        format!("dsm://127.0.0.1:{port}/"),
        format!("https://127.0.0.1:{port}/"),
    ] {
        let (code, report) = scan_json(&["-p", "dsa-11", &url]);
        assert_eq!(code, 0, "{url}");
        let target = &report["targets"][0];
        assert_eq!(target["target"], format!("127.0.0.1:{port}"));
        assert_eq!(target["port"], port);
        assert_eq!(target["role"], "manager");
        assert_eq!(profile_of(target, "dsa-11")["compatible"], true);
    }
    let run = crate::common::tlscompat(&["scan", "http://127.0.0.1/"]);
    assert_eq!(run.code, 2);
    crate::common::assert_clean_error(&run);
    assert!(
        run.stderr.contains("invalid scheme \"http\""),
        "{}",
        run.stderr
    );
}
