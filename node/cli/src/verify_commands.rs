//! `bansao verify`: a copy checked offline from its QR text, a photo of its QR code or its PDF,
//! with a trust file or a node directory (whose store also says what it knows of the kiosk's
//! chain); a registered copy's PDF also says whether it is included in the city log; the
//! verdict is the exit code.

use std::io::Write;
use std::path::Path;

use bansao_node::node_dir::NodeDir;
use bansao_node::verify;

use crate::cli::print_json;

/// Runs `bansao verify`; returns the verdict's exit code.
pub fn run(
    trust: Option<&Path>,
    node: Option<&Path>,
    json: bool,
    input: &str,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let node = node.map(NodeDir::read).transpose()?;
    let trust_path = match (trust, &node) {
        (Some(path), _) => path.to_owned(),
        (None, Some(node)) => node.config.paths.trust.clone(),
        (None, None) => anyhow::bail!("give --trust FILE or --node DIR"),
    };
    let result = verify::load_trust(&trust_path)
        .and_then(|context| verify::verify_input_with_log(input, &context));
    match result {
        Ok((kind, verification, log)) => {
            let chain = match &node {
                Some(node) => Some(verify::chain_knowledge(&node.open_store()?, &verification)?),
                None => None,
            };
            if json {
                let mut value = verify::verification_json(kind, &verification);
                if let Some(log) = &log {
                    value["log"] = log.to_json();
                }
                if let Some(chain) = &chain {
                    value["chain"] = chain.to_json();
                }
                print_json(out, &value)?;
            } else {
                writeln!(out, "{}", verify::verification_text(&verification))?;
                if let Some(log) = &log {
                    writeln!(out, "{}", log.line())?;
                }
                if let Some(chain) = &chain {
                    for line in chain.lines() {
                        writeln!(out, "{line}")?;
                    }
                }
            }
            Ok(verify::verdict_exit_code(&verification.verdict))
        }
        Err(error) if json => {
            print_json(
                out,
                &serde_json::json!({
                    "genuine": false,
                    "verdict": "unusable-input",
                    "error": error.code(),
                    "message": error.to_string(),
                }),
            )?;
            Ok(error.exit_code())
        }
        Err(error) => Err(error.into()),
    }
}
