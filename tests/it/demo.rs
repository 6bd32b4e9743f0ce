//! `tlscompat demo`, run as a user would.

use crate::common::tlscompat;

/// The grid names suites as every other report does: by their IANA names.
#[test]
fn demo_grid_agrees_with_the_matrix_and_uses_iana_names() {
    let run = tlscompat(&["demo"]).expect_code(0);
    let (grid, _) = run
        .stdout
        .split_once("The live scans agree with the offline matrix on all 35 pairs.")
        .unwrap_or_else(|| panic!("no agreement line:\n{}", run.stdout));
    assert!(
        grid.contains("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
        "{grid}"
    );
    assert!(grid.contains("TLS_RSA_WITH_AES_256_CBC_SHA256"), "{grid}");
    for openssl_name in ["ECDHE-RSA-AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA"] {
        assert!(
            !grid
                .split(|c: char| c.is_whitespace() || c == '│' || c == '┆')
                .any(|word| word == openssl_name),
            "OpenSSL name {openssl_name} in the grid:\n{grid}"
        );
    }
}
