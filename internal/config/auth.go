package config

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Auth configures who may use tend's API and page (docs/api.md, "Access").
// Every endpoint but /healthz, /readyz (and /metrics when metrics_public)
// needs a credential: an API key, the page's session, or a trusted proxy's
// header.
type Auth struct {
	// Let requests without a credential read (every GET and read-only
	// search), as before scopes existed. Only for a private network: anyone
	// who can reach tend then sees every account's insights.
	AnonymousRead bool `yaml:"anonymous_read"`
	// Serve /metrics without a credential (Prometheus scrapes it). When
	// false, /metrics needs a key with the read scope
	// (authorization.credentials in Prometheus' scrape_config).
	MetricsPublic bool `yaml:"metrics_public"`
	// How long a web page login lasts.
	SessionTTL time.Duration `yaml:"session_ttl"`
	// Mark the session cookie Secure even when tend itself serves plain
	// HTTP (TLS is terminated in front). It is always Secure over TLS.
	SecureCookie bool           `yaml:"secure_cookie"`
	Proxy        AuthProxy      `yaml:"proxy"`
	LoginLimit   AuthLoginLimit `yaml:"login_limit"`
}

// AuthLoginLimit limits failed credentials per client address: failed
// logins on the page and invalid API keys on the API (docs/security.md,
// "Failed credentials"). An address may fail failures times at once, then
// once more every window/failures; it is forgiven fully after window
// without failures. A limited address gets 429 with Retry-After: the login
// form refuses even a correct key until then, the API still serves valid
// keys. The address is the connection's, or the client's in
// X-Forwarded-For when the connection comes from auth.proxy.trusted_cidrs;
// IPv6 addresses count by /64.
type AuthLoginLimit struct {
	// Failed attempts an address may make at once (0 turns the limit off).
	Failures int `yaml:"failures"`
	// The time over which failures refill: one more attempt every
	// window/failures.
	Window time.Duration `yaml:"window"`
	// How many addresses are tracked at most; beyond, the one that failed
	// longest ago is forgotten.
	MaxAddresses int `yaml:"max_addresses"`
}

// AuthProxy trusts an authenticating reverse proxy (oauth2-proxy, an
// ingress with SSO) to name the user in a header. Off unless header is set.
type AuthProxy struct {
	// The header carrying the user name, e.g. X-Forwarded-User. Empty: off.
	Header string `yaml:"header"`
	// Source addresses (CIDRs) the header is believed from; a request from
	// anywhere else carrying it is refused. Required with header.
	TrustedCIDRs []string `yaml:"trusted_cidrs"`
	// Scopes given to proxy users (read, write, admin).
	Scopes []string `yaml:"scopes"`
	// Accounts proxy users may see; empty: every account.
	Accounts []string `yaml:"accounts"`
}

func defaultAuth() Auth {
	return Auth{MetricsPublic: true, SessionTTL: 12 * time.Hour, Proxy: AuthProxy{Scopes: []string{"read"}},
		LoginLimit: AuthLoginLimit{Failures: 10, Window: 5 * time.Minute, MaxAddresses: 10000}}
}

// ProxyCIDRs parses trusted_cidrs (validated already).
func (c AuthProxy) ProxyCIDRs() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range c.TrustedCIDRs {
		if p, err := netip.ParsePrefix(strings.TrimSpace(s)); err == nil {
			out = append(out, p)
		}
	}
	return out
}

func (c Auth) validate() []FieldError {
	var errs []FieldError
	if c.SessionTTL < time.Minute || c.SessionTTL > 30*24*time.Hour {
		errs = append(errs, FieldError{Key: "auth.session_ttl", Reason: fmt.Sprintf("must be a duration from 1m to 720h such as 12h (got %s)", c.SessionTTL)})
	}
	if l := c.LoginLimit; l.Failures < 0 || l.Failures > 10000 {
		errs = append(errs, FieldError{Key: "auth.login_limit.failures", Reason: fmt.Sprintf("must be from 1 to 10000 failed attempts, or 0 for no limit (got %d)", l.Failures)})
	}
	if l := c.LoginLimit; l.Window < time.Second || l.Window > 24*time.Hour {
		errs = append(errs, FieldError{Key: "auth.login_limit.window", Reason: fmt.Sprintf("must be a duration from 1s to 24h such as 5m (got %s)", l.Window)})
	}
	if l := c.LoginLimit; l.MaxAddresses < 1 || l.MaxAddresses > 10000000 {
		errs = append(errs, FieldError{Key: "auth.login_limit.max_addresses", Reason: fmt.Sprintf("must be from 1 to 10000000 addresses (got %d)", l.MaxAddresses)})
	}
	p := c.Proxy
	if p.Header != "" {
		if http.CanonicalHeaderKey(p.Header) == "" || strings.ContainsAny(p.Header, " :\t") {
			errs = append(errs, FieldError{Key: "auth.proxy.header", Reason: fmt.Sprintf("%q is not a header name", p.Header)})
		}
		if len(p.TrustedCIDRs) == 0 {
			errs = append(errs, FieldError{Key: "auth.proxy.trusted_cidrs", Reason: "is required with auth.proxy.header: the proxy's addresses, e.g. [127.0.0.1/32]"})
		}
	}
	for _, s := range p.TrustedCIDRs {
		if _, err := netip.ParsePrefix(strings.TrimSpace(s)); err != nil {
			errs = append(errs, FieldError{Key: "auth.proxy.trusted_cidrs", Reason: fmt.Sprintf("%q is not a CIDR such as 10.0.0.0/8", s)})
		}
	}
	for _, s := range p.Scopes {
		if s != "read" && s != "write" && s != "admin" {
			errs = append(errs, FieldError{Key: "auth.proxy.scopes", Reason: fmt.Sprintf("unknown scope %q: use read, write or admin", s)})
		}
	}
	return errs
}
