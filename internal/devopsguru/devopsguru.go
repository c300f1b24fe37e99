// Package devopsguru serves Amazon DevOps Guru's API (rest-json, API
// version 2020-12-01, signing name devops-guru) over tend's insights, so
// that `aws devops-guru …`, boto3, the AWS SDKs and dashboards built on the
// service can point at tend with --endpoint-url. Requests are authenticated
// by Signature Version 4 with credentials from `tend apikey create --aws`;
// each operation checks the key's scope and shows only the accounts the key
// may see. Member names, enums, paths and paging follow the service model
// that ships with awscli and botocore (service-2.json); operations tend
// does not implement answer as the service answers an unknown operation.
// docs/devops-guru-api.md is the user's guide.
package devopsguru

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/store"
)

// Prefix is where tend serves the API on its listener: clients use
// --endpoint-url http://HOST:PORT/devops-guru.
const Prefix = "/devops-guru"

// MaxBodyBytes bounds a request body.
const MaxBodyBytes = 1 << 20

// Store is what the handler reads and writes: tend's store.
type Store interface {
	Insights() store.Insights
	Anomalies() store.Anomalies
	Events() store.Events
	Stacks() store.Stacks
	Channels() store.Channels
	Org() store.Org
}

// Coverage is what tend analyses (series.coverage in the configuration),
// for GetResourceCollection.
type Coverage struct {
	// Mode is all, stacks or tag.
	Mode      string   `json:"mode"`
	Stacks    []string `json:"stacks,omitempty"`
	TagKey    string   `json:"tag_key,omitempty"`
	TagValues []string `json:"tag_values,omitempty"`
}

// Options are the handler's dependencies.
type Options struct {
	Store  Store
	Keys   *Keys
	Logger *slog.Logger
	// Registerer receives tend_devopsguru_requests_total.
	Registerer prometheus.Registerer
	Now        func() time.Time
	// Region, when set, is the only region a credential scope may name;
	// empty accepts any region (tend is one endpoint for all of them).
	Region string
	// Coverage returns the analysed resources (nil: everything).
	Coverage func() Coverage
	// SetCoverage changes them (UpdateResourceCollection) and keeps the
	// change; nil: UpdateResourceCollection is not served.
	SetCoverage func(ctx context.Context, c Coverage) error
	// MetricsAnalyzed returns how many series tend analyses now, for
	// DescribeAccountHealth (nil: 0).
	MetricsAnalyzed func() int
	// ChannelsChanged is called after a channel was added or removed (the
	// dispatcher's Reload).
	ChannelsChanged func()
	// Policies are the problem types remediation policies act on, for
	// the recommendations (nil: unknown).
	Policies func() map[string]bool
	// Lookback is how long before an insight's start its related events
	// may be (events.lookback; 3h when zero), for ListEvents with an
	// InsightId and ListRecommendations.
	Lookback time.Duration
}

// Handler serves the API. Mount it at Prefix.
type Handler struct {
	o        Options
	log      *slog.Logger
	now      func() time.Time
	requests *prometheus.CounterVec
	routes   []route
}

// route is one operation: method, path template below Prefix ("{X}" binds
// a segment), the scope it needs and its implementation.
type route struct {
	op     string
	method string
	parts  []string
	scope  access.Scope
	serve  func(ctx context.Context, c *call) (any, *Error)
}

// call is one request being served.
type call struct {
	r      *http.Request
	body   []byte
	params map[string]string
	p      access.Principal
}

// decode reads the JSON body into v; an empty body is an empty object.
func (c *call) decode(v any) *Error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return cannotParse(err)
	}
	return nil
}

// New builds the handler.
func New(o Options) *Handler {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Lookback <= 0 {
		o.Lookback = 3 * time.Hour
	}
	h := &Handler{o: o, log: o.Logger, now: o.Now}
	h.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tend_devopsguru_requests_total",
		Help: "DevOps Guru API requests, by operation and outcome (the error type, or ok).",
	}, []string{"operation", "outcome"})
	if o.Registerer != nil {
		o.Registerer.MustRegister(h.requests)
	}
	h.routes = h.table()
	return h
}

// Operations lists the operations tend serves, as "METHOD /path Name",
// for the route table test and the docs.
func (h *Handler) Operations() []string {
	out := make([]string, len(h.routes))
	for i, r := range h.routes {
		out[i] = r.method + " " + Prefix + "/" + strings.Join(r.parts, "/") + " " + r.op
	}
	return out
}

func (h *Handler) add(list *[]route, op, method, path string, scope access.Scope, serve func(ctx context.Context, c *call) (any, *Error)) {
	*list = append(*list, route{op: op, method: method, parts: strings.Split(strings.Trim(path, "/"), "/"), scope: scope, serve: serve})
}

// match finds the route of a request path below Prefix.
func (h *Handler) match(method, path string) (*route, map[string]string, bool) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	pathKnown := false
	for i := range h.routes {
		rt := &h.routes[i]
		if len(rt.parts) != len(parts) {
			continue
		}
		params := map[string]string{}
		ok := true
		for j, p := range rt.parts {
			if strings.HasPrefix(p, "{") {
				params[strings.Trim(p, "{}")] = parts[j]
				continue
			}
			if p != parts[j] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method == method {
			return rt, params, true
		}
	}
	return nil, nil, pathKnown
}

// ServeHTTP serves one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", newUUID())
	op, outcome := "unknown", "ok"
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.log.ErrorContext(r.Context(), "panic serving devops guru request", "operation", op, "panic", p)
			internal().write(w)
			outcome = "InternalServerException"
		}
		h.requests.WithLabelValues(op, outcome).Inc()
	}()
	fail := func(e *Error) {
		outcome = e.Type
		e.write(w)
	}
	path, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		fail(errUnknownOperation(r.Method, r.URL.Path))
		return
	}
	rt, params, _ := h.match(r.Method, path)
	if rt == nil {
		fail(errUnknownOperation(r.Method, r.URL.Path))
		return
	}
	op = rt.op
	if r.ContentLength > MaxBodyBytes {
		fail(tooLarge(MaxBodyBytes))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			// MaxBodyBytes, or tend's own server.max_body_bytes if lower.
			fail(tooLarge(tooBig.Limit))
			return
		}
		fail(cannotParse(err))
		return
	}
	p, aerr := h.authenticate(r, body)
	if aerr != nil {
		fail(aerr)
		return
	}
	if !p.Can(rt.scope) {
		fail(accessDenied("User: %s is not authorized to perform: devops-guru:%s (the key's scopes are %s; it needs %s)",
			p.KeyID, rt.op, scopeList(p.Scopes), rt.scope))
		return
	}
	ctx := access.WithPrincipal(r.Context(), p)
	c := &call{r: r.WithContext(ctx), body: body, params: params, p: p}
	out, e := rt.serve(ctx, c)
	if e != nil {
		if e.Status >= 500 {
			h.log.ErrorContext(ctx, "devops guru request failed", "operation", op, "err", e.Message)
		}
		fail(e)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if out == nil {
		out = struct{}{}
	}
	_ = json.NewEncoder(w).Encode(out)
}

// TooLarge answers a request whose body is over limit bytes (tend's
// server.max_body_bytes, before the handler is reached) as ServeHTTP
// answers one over MaxBodyBytes: 413 with a ValidationException naming the
// field body. For api.Route's TooLarge.
func (h *Handler) TooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	w.Header().Set("X-Amzn-Requestid", newUUID())
	op := "unknown"
	if path, ok := strings.CutPrefix(r.URL.Path, Prefix); ok {
		if rt, _, _ := h.match(r.Method, path); rt != nil {
			op = rt.op
		}
	}
	e := tooLarge(limit)
	h.requests.WithLabelValues(op, e.Type).Inc()
	e.write(w)
}

// authenticate verifies the request's Signature Version 4.
func (h *Handler) authenticate(r *http.Request, body []byte) (access.Principal, *Error) {
	s, e := parseAuthorization(r)
	if e != nil {
		return access.Principal{}, e
	}
	if r.Header.Get("X-Amz-Security-Token") != "" {
		return access.Principal{}, errUnrecognizedClient()
	}
	if h.o.Region != "" && s.Region != h.o.Region {
		return access.Principal{}, errInvalidSignature("Credential should be scoped to a valid region, not '" + s.Region + "'. ")
	}
	if e := checkSkew(s, h.now()); e != nil {
		return access.Principal{}, e
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); claimed != "" && claimed != payload {
		return access.Principal{}, errInvalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	if h.o.Keys == nil {
		return access.Principal{}, errUnrecognizedClient()
	}
	rec, secret, err := h.o.Keys.lookup(r.Context(), s.AccessKeyID)
	if errors.Is(err, ErrUnknownKey) {
		return access.Principal{}, errUnrecognizedClient()
	}
	if err != nil {
		h.log.ErrorContext(r.Context(), "look up aws key", "access_key_id", s.AccessKeyID, "err", err)
		return access.Principal{}, internal()
	}
	want := signature(secret, s, stringToSign(s, canonicalRequest(r, s.SignedHeaders, payload)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(s.Signature))) {
		return access.Principal{}, errSignatureMismatch()
	}
	org, err := access.LoadOrg(r.Context(), h.o.Store.Org())
	if err != nil {
		h.log.ErrorContext(r.Context(), "load the organisation", "err", err)
		return access.Principal{}, internal()
	}
	return org.ForKey(access.ViaSigV4, rec.AccessKeyID, rec.Name, access.KeyScopes(rec.Scopes), rec.Accounts), nil
}

func scopeList(s []access.Scope) string {
	if len(s) == 0 {
		return "none"
	}
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = io.ReadFull(randReader, b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	s := hex.EncodeToString(b[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}
