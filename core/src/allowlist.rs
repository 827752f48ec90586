//! Where the control plane may send traffic: the Docker endpoints workers dial and the
//! addresses engines listen on. Both come from admins (an environment's `docker_endpoint` and
//! `host_address`), so both are checked against this list from the configuration, by the api
//! when they are written and by the worker before it dials, so that no row can point the
//! workers off the deployment's own networks (SSRF).
//!
//! Only canonical forms pass: a dotted-quad IPv4 address (`127.0.0.1`, never `127.1`, hex,
//! octal or a decimal number), an IPv6 address as it prints (`::1`, never `::0:1`), no
//! unspecified address (`0.0.0.0`, `::`), no IPv4-mapped IPv6 (`::ffff:127.0.0.1`), and a host
//! name only when the deployment names it.

use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// The networks, socket rule and names a deployment allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    /// `DBAAS_ALLOWED_NETWORKS`: CIDRs, `127.0.0.0/8,::1/128` by default.
    pub networks: Vec<IpNet>,
    /// `DBAAS_ALLOW_UNIX_SOCKETS`: Docker endpoints on a local socket (`unix:///...`).
    pub unix_sockets: bool,
    /// `DBAAS_ALLOWED_HOSTNAMES`: host names taken as they are (resolved by the system when
    /// dialled); none by default.
    pub hostnames: Vec<String>,
}

impl Default for AllowList {
    fn default() -> Self {
        Self {
            networks: vec![
                IpNet::from_str("127.0.0.0/8").expect("a CIDR"),
                IpNet::from_str("::1/128").expect("a CIDR"),
            ],
            unix_sockets: true,
            hostnames: Vec::new(),
        }
    }
}

/// Why an address is refused: the rule it breaks, in words for the API's 422.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// How a Docker endpoint may start: a local socket, or a host and a port over the network.
pub const DOCKER_SCHEMES: &[&str] = &["unix://", "tcp://", "http://", "https://"];
const NETWORK_SCHEMES: &[&str] = &["tcp://", "http://", "https://"];

impl AllowList {
    /// Parses the configuration's lists (comma-separated).
    pub fn parse(networks: &str, unix_sockets: bool, hostnames: &str) -> Result<Self, String> {
        let networks = networks
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| IpNet::from_str(n).map_err(|e| format!("'{n}' is not a CIDR: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        let hostnames = hostnames
            .split(',')
            .map(|n| n.trim().to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        Ok(Self {
            networks,
            unix_sockets,
            hostnames,
        })
    }

    fn networks_text(&self) -> String {
        let list: Vec<String> = self.networks.iter().map(|n| n.to_string()).collect();
        if list.is_empty() {
            "none".into()
        } else {
            list.join(", ")
        }
    }

    /// An address engines listen on and clients connect to: an allowed IP address in its
    /// canonical form (IPv6 in brackets, as it goes into URIs), or an allowed host name.
    pub fn check_host(&self, raw: &str) -> Result<(), Refused> {
        let bracketed = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']'));
        if let Some(v6) = bracketed {
            return match v6.parse::<IpAddr>() {
                Ok(ip @ IpAddr::V6(_)) => self.check_ip(v6, ip),
                _ => Err(Refused(format!("'{raw}' is not an IPv6 address"))),
            };
        }
        match raw.parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => Err(Refused(format!(
                "write the IPv6 address in brackets, as in a URI: [{raw}]"
            ))),
            Ok(ip) => self.check_ip(raw, ip),
            Err(_) => self.check_name(raw),
        }
    }

    fn check_ip(&self, raw: &str, ip: IpAddr) -> Result<(), Refused> {
        if ip.to_string() != raw {
            return Err(Refused(format!("'{raw}' is not in canonical form: write {ip}")));
        }
        if ip.is_unspecified() {
            return Err(Refused(format!("{ip} names every address, not one")));
        }
        if let IpAddr::V6(v6) = ip {
            if v6.to_ipv4_mapped().is_some() {
                return Err(Refused(format!(
                    "'{raw}' is an IPv4 address in IPv6 form: write it as IPv4"
                )));
            }
        }
        if !self.networks.iter().any(|n| n.contains(&ip)) {
            return Err(Refused(format!(
                "{ip} is outside the networks this deployment allows ({}; DBAAS_ALLOWED_NETWORKS)",
                self.networks_text()
            )));
        }
        Ok(())
    }

    fn check_name(&self, raw: &str) -> Result<(), Refused> {
        let lower = raw.to_ascii_lowercase();
        // Anything made of digits, dots and x (127.1, 0x7f.1, 2130706433) is an address in a
        // form some resolvers take, never a name.
        if raw
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '.' || c == 'x' || c == 'X')
            && raw.contains(|c: char| c.is_ascii_digit())
        {
            return Err(Refused(format!(
                "'{raw}' is not a canonical IP address: write four decimal numbers, such as 127.0.0.1"
            )));
        }
        if self.hostnames.contains(&lower) {
            return Ok(());
        }
        Err(Refused(format!(
            "'{raw}' is a host name, and this deployment allows {} (DBAAS_ALLOWED_HOSTNAMES); use an IP address",
            if self.hostnames.is_empty() {
                "none".to_string()
            } else {
                self.hostnames.join(", ")
            }
        )))
    }

    /// A Docker endpoint workers dial: a local socket (when allowed), or `tcp://`, `http://`
    /// or `https://` with an allowed host and a port.
    pub fn check_docker_endpoint(&self, raw: &str) -> Result<(), Refused> {
        if let Some(path) = raw.strip_prefix("unix://") {
            if !self.unix_sockets {
                return Err(Refused(
                    "this deployment does not allow Docker endpoints on a local socket (DBAAS_ALLOW_UNIX_SOCKETS)"
                        .into(),
                ));
            }
            if !path.starts_with('/') || path.contains("/../") || path.ends_with("/..") {
                return Err(Refused(format!(
                    "'{raw}' must name an absolute socket path: unix:///var/run/docker.sock"
                )));
            }
            return Ok(());
        }
        let Some(rest) = NETWORK_SCHEMES.iter().find_map(|s| raw.strip_prefix(s)) else {
            return Err(Refused(format!(
                "a Docker endpoint starts with {}",
                DOCKER_SCHEMES.join(", ")
            )));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '@', '?', '#']) {
            return Err(Refused(format!(
                "'{raw}' must be scheme://host:port, with no user, path or query"
            )));
        }
        let Some((host, port)) = authority.rsplit_once(':') else {
            return Err(Refused(format!("'{raw}' names no port: tcp://127.0.0.1:2376")));
        };
        let port_ok = !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
            && !port.starts_with('0')
            && port.parse::<u16>().is_ok();
        if !port_ok {
            return Err(Refused(format!("'{port}' is not a port (1 to 65535)")));
        }
        self.check_host(host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_sockets_by_default() {
        let allow = AllowList::default();
        for good in ["127.0.0.1", "127.0.0.2", "[::1]"] {
            assert_eq!(allow.check_host(good), Ok(()), "{good}");
        }
        for good in [
            "unix:///var/run/docker.sock",
            "tcp://127.0.0.1:2376",
            "https://[::1]:2376",
        ] {
            assert_eq!(allow.check_docker_endpoint(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn only_canonical_forms() {
        let allow = AllowList::default();
        for bad in [
            "0.0.0.0",
            "127.1",
            "0x7f.0.0.1",
            "0x7f000001",
            "2130706433",
            "127.000.000.001",
            "[::ffff:127.0.0.1]",
            "[::0:1]",
            "::1",
            "[::]",
            "localhost",
            "10.0.0.5",
            "169.254.169.254",
            "example.com",
            "",
        ] {
            assert!(allow.check_host(bad).is_err(), "{bad}");
        }
        for bad in [
            "tcp://10.0.0.5:2375",
            "tcp://127.0.0.1",
            "tcp://127.0.0.1:0",
            "tcp://127.0.0.1:99999",
            "tcp://user@127.0.0.1:2375",
            "tcp://127.0.0.1:2375/path",
            "ftp://127.0.0.1:21",
            "unix://relative.sock",
            "tcp://127.1:2375",
        ] {
            assert!(allow.check_docker_endpoint(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_deployment_widens_it() {
        let allow = AllowList::parse("10.0.0.0/8", false, "docker1.internal").unwrap();
        assert_eq!(allow.check_host("10.1.2.3"), Ok(()));
        assert!(allow.check_host("127.0.0.1").is_err());
        assert_eq!(allow.check_host("DOCKER1.internal"), Ok(()));
        assert_eq!(allow.check_docker_endpoint("tcp://docker1.internal:2376"), Ok(()));
        assert!(allow.check_docker_endpoint("unix:///var/run/docker.sock").is_err());
        assert!(AllowList::parse("not-a-cidr", true, "").is_err());
    }
}
