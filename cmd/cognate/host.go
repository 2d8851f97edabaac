package main

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/cognatehq/cognate/pkg/cognito"
)

// hostPolicy says which Host headers `cognate serve` answers. A web page can point a name its
// owner controls at 127.0.0.1 (DNS rebinding) and then read a loopback server as its own origin,
// outbox and all; the request still carries that name in Host. So only names the operator chose
// are answered: the listen address, loopback names (localhost, 127.0.0.0/8, ::1) and the
// --issuer-base host (the name other machines or containers use to reach the server). Ports are
// not compared: the attack is in the name. IP literals cannot be rebound: on a wildcard listen
// address every IP literal is answered.
//
// This belongs to `cognate serve` alone: a deployment's API Gateway and CloudFront decide which
// hosts reach its functions, and awsapp takes the issuer from the edge, not from Host.
type hostPolicy struct {
	names map[string]bool // lower-case host names, without a trailing dot
	ips   []net.IP
	anyIP bool // the listener takes every local address
}

func newHostPolicy(addr, issuerBase string) *hostPolicy {
	p := &hostPolicy{names: map[string]bool{"localhost": true}}
	add := func(host string) {
		if ip := net.ParseIP(host); ip != nil {
			p.anyIP = p.anyIP || ip.IsUnspecified()
			p.ips = append(p.ips, ip)
		} else if host != "" {
			p.names[strings.TrimSuffix(strings.ToLower(host), ".")] = true
		}
	}
	host, _, err := net.SplitHostPort(addr)
	switch {
	case err != nil:
		add(addr)
	case host == "":
		p.anyIP = true // ":9229"
	default:
		add(host)
	}
	if u, err := url.Parse(issuerBase); err == nil {
		add(u.Hostname())
	}
	return p
}

// allows reports whether a request's Host names this server.
func (p *hostPolicy) allows(hostHeader string) bool {
	host := hostHeader
	if h, _, err := net.SplitHostPort(hostHeader); err == nil {
		host = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1] // "[::1]" without a port
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return false
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() || p.anyIP {
			return true
		}
		for _, own := range p.ips {
			if own.Equal(ip) {
				return true
			}
		}
		return false
	}
	return p.names[host]
}

// guard refuses requests for other hosts with a Cognito-shaped 403 before anything else runs.
func (p *hostPolicy) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.allows(r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		id := cognito.NewRequestID()
		w.Header().Set("X-Amzn-Requestid", id)
		cognito.Render(cognito.WithRequest(r.Context(), id, "", ""), w, nil, nil, cognito.Forbidden(
			"The Host header does not name this server: use its listen address, localhost, or the --issuer-base host."))
	})
}
