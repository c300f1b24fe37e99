package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
)

// AuthOptions configure authentication (config auth.*).
type AuthOptions struct {
	// AnonymousRead lets requests without a credential use Read routes.
	AnonymousRead bool
	// MetricsPublic serves /metrics without a credential (else Read).
	MetricsPublic bool
	// SessionTTL is how long a web login lasts (12h when 0).
	SessionTTL time.Duration
	// SecureCookie marks the session cookie Secure over plain HTTP too.
	SecureCookie bool
	// ProxyHeader, when set, names a trusted proxy's user header, believed
	// only from ProxyTrusted; proxy users get ProxyScopes and see
	// ProxyAccounts (nil: every account).
	ProxyHeader   string
	ProxyTrusted  []netip.Prefix
	ProxyScopes   []access.Scope
	ProxyAccounts []string
	// FailureLimit is how many invalid credentials (page logins, API keys)
	// one client address may send at once before it gets 429; then one
	// more every FailureWindow/FailureLimit. 0: no limit.
	FailureLimit int
	// FailureWindow is the time over which failures are forgiven (5m when
	// 0).
	FailureWindow time.Duration
	// FailureAddresses bounds the addresses tracked (10000 when 0).
	FailureAddresses int
}

// Route is one endpoint: its pattern for http.ServeMux (with the method,
// "GET /v1/insights/{id}"), the scope a caller needs, the handler, and
// optionally how refusals (401, 403, 429) are written when the endpoint speaks
// another error format (the DevOps Guru API's); nil writes tend's JSON error.
type Route struct {
	Pattern string
	Scope   access.Scope
	Handler http.Handler
	Deny    func(w http.ResponseWriter, r *http.Request, status int, message string)
	// TooLarge, when set, answers a request whose Content-Length is over
	// the server's body limit (server.max_body_bytes) in the endpoint's
	// error format; nil writes tend's JSON 413. The body is not read. A
	// body without a Content-Length is cut at the limit while the handler
	// reads it (an *http.MaxBytesError), which the handler answers.
	TooLarge func(w http.ResponseWriter, r *http.Request, limit int64)
}

// RouteInfo describes a registered route (for the route table test and
// docs).
type RouteInfo struct {
	Pattern string
	Scope   access.Scope
}

// Handle registers h at pattern for callers holding scope (access.Read,
// access.Write, access.Admin, or access.Public / access.Signed for routes
// that need no key). Every route must say its scope.
func (a *API) Handle(pattern string, scope access.Scope, h http.HandlerFunc) {
	a.HandleRoute(Route{Pattern: pattern, Scope: scope, Handler: h})
}

// HandleRoute registers a route; see Route.
func (a *API) HandleRoute(rt Route) {
	switch rt.Scope {
	case access.Read, access.Write, access.Admin, access.Public, access.Signed:
	default:
		panic(fmt.Sprintf("api: route %q has no valid scope (%q)", rt.Pattern, rt.Scope))
	}
	a.routesMu.Lock()
	a.routes = append(a.routes, RouteInfo{Pattern: rt.Pattern, Scope: rt.Scope})
	if rt.TooLarge != nil {
		a.tooLarge[rt.Pattern] = rt.TooLarge
	}
	a.routesMu.Unlock()
	if rt.Scope == access.Public || rt.Scope == access.Signed {
		a.mux.Handle(rt.Pattern, rt.Handler)
		return
	}
	a.mux.Handle(rt.Pattern, a.authorize(rt))
}

// Read registers a handler that needs the read scope (an alias of Handle
// with access.Read).
func (a *API) Read(pattern string, h http.HandlerFunc) { a.Handle(pattern, access.Read, h) }

// Write registers a handler that needs the write scope (ingest, problems,
// events). Administrative endpoints use Handle with access.Admin.
func (a *API) Write(pattern string, h http.HandlerFunc) { a.Handle(pattern, access.Write, h) }

// Admin registers a handler that needs the admin scope.
func (a *API) Admin(pattern string, h http.HandlerFunc) { a.Handle(pattern, access.Admin, h) }

// Routes lists every registered route with its scope, in registration
// order.
func (a *API) Routes() []RouteInfo {
	a.routesMu.Lock()
	defer a.routesMu.Unlock()
	return slices.Clone(a.routes)
}

// AddAuthenticator adds a kind of credential, tried before tend's own (API
// keys, the page's session, the trusted proxy header).
func (a *API) AddAuthenticator(au access.Authenticator) {
	a.routesMu.Lock()
	a.authenticators = append(a.authenticators, au)
	a.routesMu.Unlock()
}

// authorize wraps a route's handler: authenticate, check the scope, check
// the origin of a browser's unsafe request, then serve with the principal
// in the context.
func (a *API) authorize(rt Route) http.Handler {
	deny := rt.Deny
	if deny == nil {
		deny = func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			code := "unauthorized"
			switch status {
			case http.StatusForbidden:
				code = "forbidden"
			case http.StatusTooManyRequests:
				code = "too_many_requests"
			}
			WriteError(w, r, &Error{Status: status, Code: code, Message: msg})
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(r)
		switch {
		case errors.Is(err, access.ErrNoCredential) && a.auth.AnonymousRead && rt.Scope == access.Read:
			p, err = access.Anonymous(), nil
		case errors.Is(err, access.ErrNoCredential) || errors.Is(err, access.ErrInvalidCredential):
			if r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html") && a.isPage(rt.Pattern) {
				// A browser without a session, or whose session ended: sign in.
				http.Redirect(w, r, "/ui/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			if errors.Is(err, access.ErrInvalidCredential) {
				// A limited address's invalid credentials get 429 (valid
				// ones never reach here: they are always served).
				addr := a.clientAddr(r)
				if d := a.failLimit.wait(addr); d > 0 {
					a.metrics.authLimited.Inc()
					w.Header().Set("Retry-After", retryAfter(d))
					deny(w, r, http.StatusTooManyRequests, limitedMessage(d))
					return
				}
				a.metrics.authFailures.Inc()
				a.failedCredential(r, addr, "api")
				w.Header().Set("WWW-Authenticate", `Bearer realm="tend", error="invalid_token"`)
				deny(w, r, http.StatusUnauthorized, err.Error())
				return
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="tend"`)
			deny(w, r, http.StatusUnauthorized, "this endpoint needs a credential: send Authorization: Bearer <key> or X-API-Key: <key> (create one with `tend apikey create --name NAME --scope "+string(rt.Scope)+"`)")
			return
		case err != nil:
			WriteError(w, r, err)
			return
		}
		if !p.Can(rt.Scope) {
			deny(w, r, http.StatusForbidden, fmt.Sprintf("%s %s needs the %s scope; this credential (%s) has %s", r.Method, r.URL.Path, rt.Scope, p, scopeList(p.Scopes)))
			return
		}
		if p.Via == access.ViaSession && !safeMethod(r.Method) && !a.sameOrigin(r) {
			deny(w, r, http.StatusForbidden, "a form posted with the page's session must come from the page itself (Origin or Referer of another site)")
			return
		}
		ctx := access.WithPrincipal(r.Context(), p)
		rt.Handler.ServeHTTP(w, r.WithContext(ctx))
	})
}

func scopeList(s []access.Scope) string {
	if len(s) == 0 {
		return "no scopes"
	}
	var names []string
	for _, x := range s {
		names = append(names, string(x))
	}
	return strings.Join(names, ", ")
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// sameOrigin reports whether a browser's request comes from tend's own
// page: its Origin (or, without one, its Referer) names this host — the
// request's Host, or the X-Forwarded-Host a proxy of auth.proxy.trusted_cidrs
// sets.
func (a *API) sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" || src == "null" {
		return false
	}
	u, err := url.Parse(src)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	fwd := r.Header.Get("X-Forwarded-Host")
	return fwd != "" && len(a.auth.ProxyTrusted) > 0 && a.fromTrustedProxy(r) && strings.EqualFold(u.Host, strings.TrimSpace(strings.Split(fwd, ",")[0]))
}

// isPage reports whether the pattern is one of the web page's.
func (a *API) isPage(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return path == "/{$}" || strings.HasPrefix(path, "/ui/")
}

// authenticate finds the request's credential: the added authenticators,
// then an API key, the page's session, the trusted proxy's header.
func (a *API) authenticate(r *http.Request) (access.Principal, error) {
	a.routesMu.Lock()
	extra := a.authenticators
	a.routesMu.Unlock()
	for _, au := range extra {
		p, err := au.Authenticate(r)
		if errors.Is(err, access.ErrNoCredential) {
			continue
		}
		return p, err
	}
	if key := presentedKey(r); key != "" {
		rec, err := a.keys.Verify(r.Context(), key)
		if errors.Is(err, apikey.ErrInvalid) {
			return access.Principal{}, fmt.Errorf("%w: the API key is not valid (unknown, mistyped or revoked)", access.ErrInvalidCredential)
		}
		if err != nil {
			return access.Principal{}, err
		}
		org, err := a.org(r.Context())
		if err != nil {
			return access.Principal{}, err
		}
		return org.ForKey(access.ViaKey, rec.ID, rec.Name, access.KeyScopes(rec.Scopes), rec.Accounts), nil
	}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		return a.sessionPrincipal(r.Context(), c.Value)
	}
	if a.auth.ProxyHeader != "" {
		if user := strings.TrimSpace(r.Header.Get(a.auth.ProxyHeader)); user != "" {
			if !a.fromTrustedProxy(r) {
				return access.Principal{}, fmt.Errorf("%w: the %s header is only believed from auth.proxy.trusted_cidrs", access.ErrInvalidCredential, a.auth.ProxyHeader)
			}
			org, err := a.org(r.Context())
			if err != nil {
				return access.Principal{}, err
			}
			return org.ForKey(access.ViaProxy, "", user, a.auth.ProxyScopes, a.auth.ProxyAccounts), nil
		}
	}
	return access.Principal{}, access.ErrNoCredential
}

func presentedKey(r *http.Request) string {
	if key := r.Header.Get("X-API-Key"); key != "" {
		return key
	}
	if auth := r.Header.Get("Authorization"); len(auth) > 7 && strings.EqualFold(auth[:7], "bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

func (a *API) fromTrustedProxy(r *http.Request) bool {
	ip, ok := remoteIP(r)
	return ok && a.trusted(ip)
}

// orgCache keeps the organisation for a few seconds so that each request
// does not read it.
type orgCache struct {
	mu    sync.Mutex
	org   access.Org
	until time.Time
}

const orgCacheTTL = 5 * time.Second

func (a *API) org(ctx context.Context) (access.Org, error) {
	now := a.now()
	a.orgs.mu.Lock()
	if now.Before(a.orgs.until) {
		o := a.orgs.org
		a.orgs.mu.Unlock()
		return o, nil
	}
	a.orgs.mu.Unlock()
	o, err := access.LoadOrg(ctx, a.store.Org())
	if err != nil {
		return access.Org{}, fmt.Errorf("load the organisation: %w", err)
	}
	a.orgs.mu.Lock()
	a.orgs.org, a.orgs.until = o, now.Add(orgCacheTTL)
	a.orgs.mu.Unlock()
	return o, nil
}

// Principal returns the request's principal; a request that reached no
// authorising route has none, which sees nothing (Principal{}).
func Principal(r *http.Request) access.Principal {
	p, _ := access.FromContext(r.Context())
	return p
}
