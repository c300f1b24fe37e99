// Package api is tend's HTTP interface: the JSON API under /v1, webhooks,
// health, readiness and Prometheus metrics. It owns the cross-cutting HTTP
// behaviour — request IDs in every log line, JSON errors
// {"error":{"code","message","field"}}, body limits (413), API-key
// authentication for every write endpoint (401) — so handlers only decode,
// call the component that does the work, and encode.
//
// Every route is registered with the scope it needs (Handle; Read, Write
// and Admin are shorthands); the middleware authenticates the caller (API
// key, the page's session, a trusted proxy's header, or an added
// Authenticator such as SigV4), answers 401/403 itself and puts the
// access.Principal into the request's context. Handlers filter by account
// with it (package access).
package api

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/buildinfo"
	"github.com/tendhq/tend/internal/store"
)

// Options are the API's dependencies.
type Options struct {
	Logger       *slog.Logger
	Store        store.Store
	Keys         *apikey.Keys
	Registerer   prometheus.Registerer // where tend_http_* metrics go
	Gatherer     prometheus.Gatherer   // what /metrics serves
	MaxBodyBytes int64
	Now          func() time.Time
	Auth         AuthOptions
}

// API routes and serves tend's HTTP endpoints.
type API struct {
	mux     *http.ServeMux
	log     *slog.Logger
	store   store.Store
	keys    *apikey.Keys
	maxBody int64
	now     func() time.Time
	metrics metrics
	auth    AuthOptions
	// failLimit limits invalid credentials per address (nil: no limit).
	failLimit *failureLimit

	routesMu       sync.Mutex
	routes         []RouteInfo
	authenticators []access.Authenticator
	tooLarge       map[string]func(w http.ResponseWriter, r *http.Request, limit int64) // by pattern
	orgs           orgCache
}

type metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	authFailures prometheus.Counter
	authLimited  prometheus.Counter
}

// New builds the API with the health, readiness and metrics endpoints.
// Components add theirs with Read and Write.
func New(o Options) *API {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.Auth.SessionTTL <= 0 {
		o.Auth.SessionTTL = 12 * time.Hour
	}
	if o.Auth.FailureWindow <= 0 {
		o.Auth.FailureWindow = 5 * time.Minute
	}
	a := &API{mux: http.NewServeMux(), log: o.Logger, store: o.Store, keys: o.Keys, maxBody: o.MaxBodyBytes, now: o.Now, auth: o.Auth,
		failLimit: newFailureLimit(o.Auth.FailureLimit, o.Auth.FailureWindow, o.Auth.FailureAddresses, o.Now),
		tooLarge:  map[string]func(http.ResponseWriter, *http.Request, int64){}}
	a.metrics = metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tend_http_requests_total", Help: "HTTP requests served, by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tend_http_request_duration_seconds", Help: "Time to serve HTTP requests, by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		authFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tend_http_auth_failures_total", Help: "Requests refused for an invalid API key.",
		}),
		authLimited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tend_http_auth_limited_total", Help: "Requests refused (429) because their address sent too many invalid credentials (auth.login_limit).",
		}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(a.metrics.requests, a.metrics.duration, a.metrics.authFailures, a.metrics.authLimited)
	}

	a.Handle("GET /healthz", access.Public, func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	a.Handle("GET /readyz", access.Public, a.ready)
	a.Handle("GET /v1/version", access.Read, func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, buildinfo.Get())
	})
	if o.Gatherer != nil {
		scope := access.Read
		if o.Auth.MetricsPublic {
			scope = access.Public
		}
		a.HandleRoute(Route{Pattern: "GET /metrics", Scope: scope,
			Handler: promhttp.HandlerFor(o.Gatherer, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(o.Logger.Handler(), slog.LevelError)})})
	}
	a.registerSession()
	return a
}

// Handler returns the root handler.
func (a *API) Handler() http.Handler { return http.HandlerFunc(a.serveHTTP) }

func (a *API) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.store.Ping(ctx); err != nil {
		a.log.WarnContext(r.Context(), "not ready", "err", err)
		WriteJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "store": a.store.Backend(), "error": "the store does not answer"})
		return
	}
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ready", "store": a.store.Backend()})
}
