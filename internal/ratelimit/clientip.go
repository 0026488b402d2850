package ratelimit

import (
	"net"
	"net/netip"
	"strings"
)

// ClientIP is the address a per-IP limit counts against. It is the peer
// (remoteAddr) unless the peer is one of trusted (the reverse proxies in
// front of kira), in which case X-Forwarded-For is read from the right:
// the first address that is not itself a trusted proxy is the client.
// Addresses to the left of it were written by the client and could be
// anything, so they are never used. With no trusted proxies the header is
// ignored, which is the safe default for a server reached directly.
func ClientIP(remoteAddr string, xff []string, trusted []netip.Prefix) netip.Addr {
	peer := parseAddr(remoteAddr)
	if !peer.IsValid() || !contains(trusted, peer) {
		return peer
	}
	hops := strings.Split(strings.Join(xff, ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseAddr(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			return peer // a garbled hop: trust nothing further left
		}
		if !contains(trusted, a) {
			return a
		}
		peer = a
	}
	return peer
}

// IPKey is the limiter key of an address: IPv4 as is, IPv6 by its /64,
// the block one subscriber usually holds (counting single IPv6 addresses
// would let one host take endless fresh buckets).
func IPKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// ParsePrefixes reads a comma-separated list of CIDRs or single addresses.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func parseAddr(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.WithZone("").Unmap()
}

func contains(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
