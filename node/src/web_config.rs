//! Where a node serves its web pages (`[web]` in its `bansao.toml`): an address, or `"off"`.
//! By default loopback on a port of each role's own (kiosk 8480, ward 8481, city 8482), so a
//! kiosk, a ward and a city on one machine do not clash. Parsed with the rest of the
//! configuration (`config.rs`), problems reported with the others.

use std::net::SocketAddr;

use serde::Deserialize;

use crate::config::NodeRole;

/// The `[web]` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWeb {
    listen: Option<String>,
}

/// The TCP port a kiosk serves its pages on by default (its citizen's screen, `/verify`).
pub const DEFAULT_KIOSK_WEB_PORT: u16 = 8480;
/// The TCP port a ward serves its officials' pages on by default.
pub const DEFAULT_WARD_WEB_PORT: u16 = 8481;
/// The TCP port the city serves its staff's pages, dashboard and log on by default.
pub const DEFAULT_CITY_WEB_PORT: u16 = 8482;

impl NodeRole {
    /// The TCP address the role serves its web pages on by default: this machine only, on a
    /// port of its own, so that a kiosk, a ward and a city on one machine (`bansao demo
    /// --serve`, a laptop trying it out) do not clash.
    pub fn default_web_listen(self) -> SocketAddr {
        let port = match self {
            NodeRole::Kiosk => DEFAULT_KIOSK_WEB_PORT,
            NodeRole::Ward => DEFAULT_WARD_WEB_PORT,
            NodeRole::City => DEFAULT_CITY_WEB_PORT,
        };
        SocketAddr::from(([127, 0, 0, 1], port))
    }
}

/// Where a node serves its web pages (`[web]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSettings {
    /// The address, or `None` with `listen = "off"`.
    pub listen: Option<std::net::SocketAddr>,
}

/// The settings of `raw` for a node of `role`; a problem is added to `problems`.
pub(crate) fn web_settings(role: NodeRole, raw: RawWeb, problems: &mut Vec<String>) -> WebSettings {
    let default = role.default_web_listen();
    let Some(text) = raw.listen else {
        return WebSettings {
            listen: Some(default),
        };
    };
    if text == "off" {
        return WebSettings { listen: None };
    }
    match text.parse() {
        Ok(address) => WebSettings {
            listen: Some(address),
        },
        Err(_) => {
            problems.push(format!(
                "web.listen: {text:?} is not an address such as \"{default}\" (or \"off\")"
            ));
            WebSettings { listen: None }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::path::Path;

    use super::*;
    use crate::config::{ConfigError, NodeConfig};

    fn parse(text: &str) -> Result<NodeConfig, ConfigError> {
        NodeConfig::parse(text, Path::new("bansao.toml"), Path::new("/srv/bansao"))
    }

    #[test]
    fn each_role_serves_its_pages_on_a_port_of_its_own_by_default() {
        let kiosk = parse("role = \"kiosk\"\nname = \"K\"\n[commune]\ncode = \"00001\"\nname = \"X\"\n[kiosk]\nid = \"KIOSK-1\"\n").unwrap();
        let ward =
            parse("role = \"ward\"\nname = \"W\"\n[commune]\ncode = \"00001\"\nname = \"X\"\n")
                .unwrap();
        let city = parse("role = \"city\"\nname = \"C\"\n").unwrap();
        let listens: Vec<SocketAddr> = [kiosk, ward, city]
            .iter()
            .map(|config| config.web.listen.unwrap())
            .collect();
        assert_eq!(
            listens,
            [
                SocketAddr::from(([127, 0, 0, 1], 8480)),
                SocketAddr::from(([127, 0, 0, 1], 8481)),
                SocketAddr::from(([127, 0, 0, 1], 8482)),
            ],
            "a kiosk, a ward and a city on one machine must not clash"
        );
        let city = parse("role = \"city\"\nname = \"C\"\n[web]\nlisten = \"off\"\n").unwrap();
        assert_eq!(city.web.listen, None);
        let message = parse("role = \"city\"\nname = \"C\"\n[web]\nlisten = \"port 80\"\n")
            .unwrap_err()
            .to_string();
        assert!(message.contains("127.0.0.1:8482"), "{message}");
    }
}
