//! Share policies: which nodes may sync with which, and what a link carries.
//!
//! A node's identity is its certificate in the trust list, never what it claims: the role and
//! commune below come from the certificate of the key the connection authenticated.
//!
//! | link                                   | shares                        | scans fetched by |
//! |----------------------------------------|-------------------------------|------------------|
//! | kiosk ↔ ward of its commune            | copies of the commune         | the ward         |
//! | kiosk ↔ kiosk of the same commune (LAN)| copies of the commune (relay) | both             |
//! | official's laptop ↔ kiosk or ward      | copies of the commune (mule)  | both             |
//! | ward ↔ city (registrar key)            | copies of the ward's commune  | both             |
//!
//! Trust bundles travel on every link, in both directions; a node adopts a bundle only if it is
//! signed by the root it already trusts and is newer (see `session`). Anything else — different
//! communes, a kiosk straight to the city, two wards — is refused before any data moves.

use bansao_trust::{KeyId, Role};

/// Who a node is, from its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeIdentity {
    /// The node key's id.
    pub key_id: KeyId,
    /// The certified role.
    pub role: Role,
    /// The certified commune (none for the city).
    pub commune: Option<String>,
    /// The certificate's subject (kiosk id, commune or city name, official's name).
    pub subject: String,
}

/// What one link shares, from one side's point of view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPolicy {
    /// The commune whose copies the link carries.
    pub commune: String,
    /// Whether this side fetches the scans of the copies it holds from the peer.
    pub fetch_blobs: bool,
}

/// Two nodes may not sync.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The nodes act for different communes.
    #[error("{local} serves commune {local_commune} but the peer serves {peer_commune}")]
    DifferentCommunes {
        /// This node's role.
        local: &'static str,
        /// This node's commune.
        local_commune: String,
        /// The peer's commune.
        peer_commune: String,
    },
    /// The roles do not form a link of the topology.
    #[error("a {local} does not sync with a {peer}")]
    WrongRoles {
        /// This node's role.
        local: &'static str,
        /// The peer's role.
        peer: &'static str,
    },
}

fn is_city(role: Role) -> bool {
    matches!(role, Role::Registrar | Role::CityRoot)
}

fn is_commune_node(role: Role) -> bool {
    matches!(role, Role::Kiosk | Role::Ward | Role::Official)
}

/// Decides what the link between `local` and `peer` shares, or why there is no such link.
pub fn link_policy(local: &NodeIdentity, peer: &NodeIdentity) -> Result<LinkPolicy, PolicyError> {
    let wrong_roles = || PolicyError::WrongRoles {
        local: local.role.as_str(),
        peer: peer.role.as_str(),
    };
    match (local.role, peer.role) {
        (l, p) if is_commune_node(l) && is_commune_node(p) => {
            if l == Role::Ward && p == Role::Ward {
                return Err(wrong_roles());
            }
            let (Some(local_commune), Some(peer_commune)) = (&local.commune, &peer.commune) else {
                return Err(wrong_roles());
            };
            if local_commune != peer_commune {
                return Err(PolicyError::DifferentCommunes {
                    local: local.role.as_str(),
                    local_commune: local_commune.clone(),
                    peer_commune: peer_commune.clone(),
                });
            }
            Ok(LinkPolicy {
                commune: local_commune.clone(),
                // A kiosk does not need the scans of other kiosks' copies from its ward; from
                // a fellow kiosk or an official's laptop it takes them, to carry them on.
                fetch_blobs: !(l == Role::Kiosk && p == Role::Ward),
            })
        }
        (Role::Ward, p) if is_city(p) => Ok(LinkPolicy {
            commune: local.commune.clone().ok_or_else(wrong_roles)?,
            fetch_blobs: true,
        }),
        (l, Role::Ward) if is_city(l) => Ok(LinkPolicy {
            commune: peer.commune.clone().ok_or_else(wrong_roles)?,
            fetch_blobs: true,
        }),
        _ => Err(wrong_roles()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(role: Role, commune: Option<&str>) -> NodeIdentity {
        NodeIdentity {
            key_id: KeyId([1; 8]),
            role,
            commune: commune.map(str::to_owned),
            subject: "x".to_owned(),
        }
    }

    #[test]
    fn topology() {
        let kiosk = node(Role::Kiosk, Some("00001"));
        let other_kiosk = node(Role::Kiosk, Some("00001"));
        let ward = node(Role::Ward, Some("00001"));
        let far_ward = node(Role::Ward, Some("00002"));
        let city = node(Role::Registrar, None);
        let laptop = node(Role::Official, Some("00001"));

        let k_w = link_policy(&kiosk, &ward).unwrap();
        assert_eq!(k_w.commune, "00001");
        assert!(!k_w.fetch_blobs);
        assert!(link_policy(&ward, &kiosk).unwrap().fetch_blobs);
        assert!(link_policy(&kiosk, &other_kiosk).unwrap().fetch_blobs);
        assert!(link_policy(&laptop, &kiosk).unwrap().fetch_blobs);
        assert_eq!(link_policy(&ward, &city).unwrap().commune, "00001");
        assert_eq!(link_policy(&city, &ward).unwrap().commune, "00001");

        assert!(matches!(
            link_policy(&kiosk, &far_ward),
            Err(PolicyError::DifferentCommunes { .. })
        ));
        assert!(matches!(
            link_policy(&kiosk, &city),
            Err(PolicyError::WrongRoles { .. })
        ));
        assert!(matches!(
            link_policy(&ward, &far_ward),
            Err(PolicyError::WrongRoles { .. })
        ));
        assert!(matches!(
            link_policy(&city, &city),
            Err(PolicyError::WrongRoles { .. })
        ));
    }
}
