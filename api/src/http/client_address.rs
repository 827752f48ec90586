//! Who is asking: the client address that failed logins are counted under ([`super::throttle`]).
//!
//! It is the TCP peer's address, unless the peer is one of the deployment's trusted proxies
//! (`DBAAS_TRUSTED_PROXIES`, CIDRs). Then the proxies' chain is read: `Forwarded` (RFC 7239)
//! when the request has one, else `X-Forwarded-For`; and the client is the rightmost address of
//! that chain (the peer last) that is not itself a trusted proxy. What lies left of it was
//! written by the client or by proxies we do not know, so it is never believed: a client cannot
//! pick its address by sending the header itself. A hop that names no address (`unknown`, an
//! obfuscated `_hidden`, anything unparsable) ends the walk at the trusted hop that reported
//! it, so such requests share that proxy's count rather than escape counting.
//!
//! IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) are taken as the IPv4 address they hold.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;
use poem::http::HeaderMap;

/// The client's address, as above; `None` when the peer is not a TCP address (never, as the
/// api is served).
pub fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let mut client = peer;
    for hop in forwarded_chain(headers).iter().rev() {
        match hop {
            Some(ip) if !is_trusted(ip) => return Some(*ip),
            Some(ip) => client = *ip,
            None => return Some(client),
        }
    }
    Some(client)
}

/// The addresses a request's proxies recorded, the first (the original client, as far as
/// anyone says) leftmost; `None` for a hop that names no address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .map(|v| v.to_str().unwrap_or("\u{0}"))
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .into_iter()
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.trim().eq_ignore_ascii_case("for").then(|| node(value))
                })?
            })
            .collect();
    }
    values("x-forwarded-for").into_iter().map(node).collect()
}

/// A node of either header: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`,
/// quoted or not.
fn node(raw: &str) -> Option<IpAddr> {
    let text = raw.trim().trim_matches('"');
    let ip = text
        .parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| text.strip_prefix('[')?.strip_suffix(']')?.parse().ok())?;
    Some(ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &str) -> Vec<IpNet> {
        dbaas_core::config::parse_networks(list).unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn client(peer: &str, pairs: &[(&'static str, &str)], trusted: &str) -> IpAddr {
        client_address(Some(ip(peer)), &headers(pairs), &nets(trusted)).unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let sent = [("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")];
        assert_eq!(client("198.51.100.1", &sent, ""), ip("198.51.100.1"));
        assert_eq!(client("198.51.100.1", &sent, "10.0.0.0/8"), ip("198.51.100.1"));
        assert_eq!(client("::ffff:198.51.100.1", &[], ""), ip("198.51.100.1"));
    }

    #[test]
    fn a_trusted_peer_names_the_client() {
        let proxy = "10.0.0.0/8";
        assert_eq!(
            client("10.1.1.1", &[("x-forwarded-for", "203.0.113.9")], proxy),
            ip("203.0.113.9")
        );
        assert_eq!(
            client("10.1.1.1", &[("forwarded", "for=203.0.113.9")], proxy),
            ip("203.0.113.9")
        );
        // Without a header, the proxy itself is the client.
        assert_eq!(client("10.1.1.1", &[], proxy), ip("10.1.1.1"));
    }

    #[test]
    fn the_rightmost_untrusted_hop_wins_over_what_the_client_wrote() {
        let proxy = "10.0.0.0/8";
        let chain = [("x-forwarded-for", "1.2.3.4, 203.0.113.9, 10.2.2.2")];
        assert_eq!(client("10.1.1.1", &chain, proxy), ip("203.0.113.9"));
        // Several headers are one list, in order.
        let split = [("x-forwarded-for", "1.2.3.4"), ("x-forwarded-for", "203.0.113.9")];
        assert_eq!(client("10.1.1.1", &split, proxy), ip("203.0.113.9"));
        let forwarded = [(
            "forwarded",
            "for=1.2.3.4;proto=https, For=\"[2001:db8::7]:4711\";by=10.2.2.2, for=\"10.3.3.3:80\"",
        )];
        assert_eq!(client("10.1.1.1", &forwarded, proxy), ip("2001:db8::7"));
        // Forwarded is read when both are there.
        let both = [("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=203.0.113.9")];
        assert_eq!(client("10.1.1.1", &both, proxy), ip("203.0.113.9"));
        // All trusted: the leftmost.
        let inside = [("x-forwarded-for", "10.9.9.9, 10.2.2.2")];
        assert_eq!(client("10.1.1.1", &inside, proxy), ip("10.9.9.9"));
    }

    #[test]
    fn a_hop_without_an_address_stops_at_the_proxy_that_wrote_it() {
        let proxy = "10.0.0.0/8";
        for sent in [
            ("x-forwarded-for", "1.2.3.4, unknown, 10.2.2.2"),
            ("x-forwarded-for", "1.2.3.4, garbage, 10.2.2.2"),
            ("x-forwarded-for", "1.2.3.4, , 10.2.2.2"),
            ("forwarded", "for=1.2.3.4, for=_hidden, for=10.2.2.2"),
            ("forwarded", "for=1.2.3.4, proto=https, for=10.2.2.2"),
        ] {
            assert_eq!(client("10.1.1.1", &[sent], proxy), ip("10.2.2.2"), "{sent:?}");
        }
        assert_eq!(
            client("10.1.1.1", &[("forwarded", "proto=https")], proxy),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn nodes() {
        assert_eq!(node("192.0.2.1"), Some(ip("192.0.2.1")));
        assert_eq!(node(" 192.0.2.1:4711 "), Some(ip("192.0.2.1")));
        assert_eq!(node("\"[2001:db8::1]:4711\""), Some(ip("2001:db8::1")));
        assert_eq!(node("[2001:db8::1]"), Some(ip("2001:db8::1")));
        assert_eq!(node("2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(node("::ffff:192.0.2.1"), Some(ip("192.0.2.1")));
        assert_eq!(node("unknown"), None);
        assert_eq!(node("192.0.2"), None);
    }
}
