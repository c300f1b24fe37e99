package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/tendhq/tend/internal/access"
	"github.com/tendhq/tend/internal/logging"
	"github.com/tendhq/tend/internal/store"
)

type loggerKey struct{}

func loggerFrom(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.DiscardHandler)
}

// Caller returns the credential that authenticated the request, if it
// names one (an API key, a session's key, a proxy user): ID and Name only.
func Caller(ctx context.Context) (store.APIKey, bool) {
	p, ok := access.FromContext(ctx)
	if !ok || (p.KeyID == "" && p.Via != access.ViaProxy) {
		return store.APIKey{}, false
	}
	return store.APIKey{ID: p.KeyID, Name: p.Name}, true
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusWriter records the status and size written.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// serveHTTP is the outermost handler: request ID, logging, metrics, panic
// recovery, body limit, then routing (with JSON 404/405).
func (a *API) serveHTTP(w http.ResponseWriter, r *http.Request) {
	start := a.now()
	id := r.Header.Get("X-Request-ID")
	if !validRequestID.MatchString(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-ID", id)
	ctx := logging.WithRequestID(r.Context(), id)
	ctx = context.WithValue(ctx, loggerKey{}, a.log)
	r = r.WithContext(ctx)
	sw := &statusWriter{ResponseWriter: w}

	h, pattern := a.mux.Handler(r)
	route := pattern
	if route == "" {
		route = "unmatched"
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			a.log.ErrorContext(ctx, "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(p))
			if sw.status == 0 {
				WriteError(sw, r, errors.New("panic"))
			}
		}
		code := sw.status
		if code == 0 {
			code = http.StatusOK
		}
		d := a.now().Sub(start)
		a.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
		a.metrics.duration.WithLabelValues(route).Observe(d.Seconds())
		lvl := slog.LevelInfo
		if route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics" {
			lvl = slog.LevelDebug
		}
		a.log.Log(ctx, lvl, "http request", "method", r.Method, "path", r.URL.Path, "status", code,
			"bytes", sw.bytes, "duration", d.Round(time.Microsecond).String(), "remote", r.RemoteAddr)
	}()

	if r.ContentLength > a.maxBody {
		a.routesMu.Lock()
		own := a.tooLarge[pattern]
		a.routesMu.Unlock()
		if own != nil {
			own(sw, r, a.maxBody)
			return
		}
		WriteError(sw, r, tooLarge(a.maxBody))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(sw, r.Body, a.maxBody)
	}
	if pattern == "" {
		// No route: let the mux decide between 404 and 405, then answer in JSON.
		probe := &probeWriter{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if allow := probe.header.Get("Allow"); allow != "" {
			sw.Header().Set("Allow", allow)
		}
		if probe.status == http.StatusMethodNotAllowed {
			WriteError(sw, r, &Error{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
				Message: fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, probe.header.Get("Allow"))})
			return
		}
		WriteError(sw, r, NotFound("no such endpoint: %s %s (see docs/api.md)", r.Method, r.URL.Path))
		return
	}
	// Served through the mux (not h) so that it sets r.PathValue.
	a.mux.ServeHTTP(sw, r)
}

// probeWriter swallows the mux's plain-text 404/405 answer.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(code int)        { p.status = code }
