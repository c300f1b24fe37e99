// Package app wires tend's components together: it opens the store, builds
// the API and every background component from the configuration, and runs
// them. It holds no behaviour of its own, so tests start a whole tend
// in-process with New, Start, Addr and Stop.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tendhq/tend/internal/api"
	"github.com/tendhq/tend/internal/apikey"
	"github.com/tendhq/tend/internal/buildinfo"
	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/config"
	"github.com/tendhq/tend/internal/insight"
	"github.com/tendhq/tend/internal/problem"
	"github.com/tendhq/tend/internal/remediate"
	"github.com/tendhq/tend/internal/store"
	"github.com/tendhq/tend/internal/store/postgres"
	"github.com/tendhq/tend/internal/store/sqlite"
	"github.com/tendhq/tend/internal/store/sqlstore"
	"github.com/tendhq/tend/internal/watch"
)

// Runner is a background component: Run owns its goroutines and returns
// when ctx is cancelled and they have finished.
type Runner interface {
	Run(ctx context.Context) error
}

// RunnerFunc adapts a function to Runner.
type RunnerFunc func(ctx context.Context) error

func (f RunnerFunc) Run(ctx context.Context) error { return f(ctx) }

// Options are what New needs besides the configuration.
type Options struct {
	Logger *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Monitors replaces the monitor of these problem sources (tend bench
	// uses an in-process Dynatrace).
	Monitors map[string]remediate.Monitor
}

// App is one running tend.
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	now     func() time.Time
	store   *sqlstore.DB
	keys    *apikey.Keys
	api     *api.API
	reg     *prometheus.Registry
	runners map[string]Runner
	// monitors overrides problem sources' monitors (Options.Monitors).
	monitors map[string]remediate.Monitor
	// insights is the insight engine (wire_insight.go); observer is what
	// the detection stage hands scored samples to (set to insights).
	insights *insight.Engine
	observer insight.Observer
	// proactive raises proactive insights (wire_insight.go); nil when off.
	proactive *insight.Proactive
	// problems receives the problems tend's own insights raise; the
	// remediation wiring sets it. Nil: insights are not handed on.
	problems problem.Sink

	// Metrics in (wire_ingest.go): the detection stage, the detector
	// factory it uses (series.detector from package detect when nil) and the insight stage it
	// hands scored observations to (set by the insight builder).
	watch     *watch.Watcher
	newScorer watch.NewScorer

	aws awsOnce // AWS providers, built on first use (wire_providers.go)
	// catalog is where versions are published (wire_remediation.go);
	// rollouts read products' versions from it.
	catalog catalog.Catalog
	// fleet holds the deployment and rollout components (wire_rollout.go).
	fleet fleetParts

	srv      *http.Server
	ln       net.Listener
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopOnce sync.Once
	errs     chan error
	unlock   func()
}

func (a *App) releaseDataDir() {
	if a.unlock != nil {
		a.unlock()
		a.unlock = nil
	}
}

// lockDataDir makes sure only one tend serve uses an embedded store. The
// CLI's short commands (apikey, param …) may still open it alongside.
func lockDataDir(dir string) (func(), error) {
	path := filepath.Join(dir, "serve.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("another tend serve is already using the data directory %s: stop it, or give this one its own --data-dir (or share PostgreSQL with --store)", dir)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// New opens the store (migrating it) and builds every component. It starts
// nothing: call Start, or Run.
func New(ctx context.Context, cfg *config.Config, o Options) (*App, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	st, err := OpenStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{cfg: cfg, log: o.Logger, now: o.Now, store: st, runners: map[string]Runner{}, errs: make(chan error, 16), monitors: o.Monitors}
	a.reg = prometheus.NewRegistry()
	a.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	info := buildinfo.Get()
	buildInfo := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "tend_build_info", Help: "Always 1; labels say which tend this is."}, []string{"version", "goversion", "store"})
	buildInfo.WithLabelValues(info.Version, info.GoVersion, st.Backend()).Set(1)
	a.reg.MustRegister(buildInfo)

	a.keys = apikey.New(st.APIKeys(), o.Now)
	a.api = api.New(api.Options{
		Logger: o.Logger, Store: st, Keys: a.keys, Registerer: a.reg, Gatherer: a.reg,
		MaxBodyBytes: cfg.Server.MaxBodyBytes, Now: o.Now, Auth: authOptions(cfg.Auth),
	})
	if err := a.build(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// build adds the components beyond the foundation. Each component file
// contributes its construction here.
func (a *App) build(ctx context.Context) error {
	for _, b := range builders {
		if err := b(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// builders construct optional components; component wiring files append to
// it from init so that adding a component does not touch this file.
var builders []func(ctx context.Context, a *App) error

// OpenStore opens the store the configuration names: PostgreSQL when
// store.url is set, else SQLite in data_dir.
func OpenStore(ctx context.Context, cfg *config.Config) (*sqlstore.DB, error) {
	if u := cfg.Store.URL.Reveal(); u != "" {
		return postgres.Open(ctx, u)
	}
	return sqlite.Open(ctx, cfg.DataDir)
}

// Store returns the open store.
func (a *App) Store() store.Store { return a.store }

// Keys returns the API key service.
func (a *App) Keys() *apikey.Keys { return a.keys }

// Registry returns the Prometheus registry /metrics serves.
func (a *App) Registry() *prometheus.Registry { return a.reg }

// Start listens on the configured address and starts serving and every
// background component. It returns once the listener is open.
func (a *App) Start(ctx context.Context) error {
	if a.store.Backend() == "sqlite" {
		unlock, err := lockDataDir(a.cfg.DataDir)
		if err != nil {
			a.store.Close()
			return err
		}
		a.unlock = unlock
	}
	ln, err := net.Listen("tcp", a.cfg.Server.Listen)
	if err != nil {
		a.releaseDataDir()
		a.store.Close()
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("listen on %s: the address is already in use (is another tend running? choose another with --listen)", a.cfg.Server.Listen)
		}
		return fmt.Errorf("listen on %s: %w (choose another with --listen)", a.cfg.Server.Listen, err)
	}
	a.ln = ln
	a.srv = &http.Server{
		Handler:           a.api.Handler(),
		ReadHeaderTimeout: a.cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       a.cfg.Server.ReadTimeout,
		WriteTimeout:      a.cfg.Server.WriteTimeout,
		IdleTimeout:       a.cfg.Server.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.errs <- fmt.Errorf("http server: %w", err)
		}
	}()
	for name, r := range a.runners {
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			if err := r.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
				a.errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	where := a.cfg.DataDir
	if abs, err := filepath.Abs(where); err == nil {
		where = abs
	}
	attrs := []any{"addr", "http://" + ln.Addr().String(), "store", a.store.Backend(), "version", buildinfo.Get().Version}
	if a.store.Backend() == "sqlite" {
		attrs = append(attrs, "data", where)
	}
	a.log.Info("tend is running", attrs...)
	if keys, err := a.keys.List(ctx); err == nil && len(keys) == 0 {
		if aws, err := a.store.AWSKeys().List(ctx); err == nil && len(aws) == 0 {
			a.log.Warn("no API keys yet: every endpoint but /healthz and /readyz answers 401 until you create one with `tend apikey create --name NAME --scope read`")
		} else if err == nil {
			a.log.Info("only AWS access keys so far: the DevOps Guru API at /devops-guru answers them; every other endpoint but /healthz and /readyz needs an API key (`tend apikey create --name NAME --scope read`)")
		}
	}
	return nil
}

// Addr returns the address the server listens on (useful with port 0).
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Handler returns the HTTP handler, for tests that call it directly.
func (a *App) Handler() http.Handler { return a.api.Handler() }

// Stop shuts down: the server stops accepting, in-flight requests finish,
// background components stop, the store closes. It gives up waiting at
// ctx's deadline.
func (a *App) Stop(ctx context.Context) error {
	var err error
	a.stopOnce.Do(func() {
		if a.srv != nil {
			if e := a.srv.Shutdown(ctx); e != nil {
				err = fmt.Errorf("shut down http server: %w", e)
				a.srv.Close()
			}
		}
		if a.cancel != nil {
			a.cancel()
		}
		done := make(chan struct{})
		go func() { a.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			if err == nil {
				err = errors.New("shutdown timed out waiting for background work")
			}
		}
		if e := a.store.Close(); e != nil && err == nil {
			err = fmt.Errorf("close store: %w", e)
		}
		a.releaseDataDir()
	})
	return err
}

// Run starts tend, waits for ctx to be cancelled (SIGINT/SIGTERM) or a
// component to fail, and stops within server.shutdown_timeout.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down", "timeout", a.cfg.Server.ShutdownTimeout.String())
	case runErr = <-a.errs:
		a.log.Error("component failed; shutting down", "err", runErr)
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := a.Stop(sctx); err != nil {
		a.log.Error("unclean shutdown", "err", err)
		if runErr == nil {
			runErr = err
		}
	} else {
		a.log.Info("stopped")
	}
	return runErr
}
