// Package process is tend's local deployment provider: each deployment is
// a process tend starts from the product version's template (a
// Tend::Local::Process resource: the command, its environment, where it
// answers health checks and metrics), supervises (restarted when it dies)
// and scrapes (Prometheus text format) into tend's ingest path and into the
// key metrics rollouts judge. The whole fleet-and-rollout loop then runs on
// one machine with no cloud. Every process is started in its own process
// group with a parent-death signal, and Close (or the end of Run) stops
// them all, so none outlives tend.
package process

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tendhq/tend/internal/catalog"
	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/store"
)

// Options configure the provider.
type Options struct {
	// Dir holds one working directory per deployment (its log, its data).
	Dir string
	// Sink receives every scraped sample (tend's ingest path); nil: none.
	Sink ingest.Sink
	// OnKey receives the key metrics derived from each scrape; nil: none.
	OnKey func(KeySample)
	// ScrapeInterval is how often each process is scraped (default 10s).
	ScrapeInterval time.Duration
	// StartTimeout bounds the wait for a new process's health check
	// (default 30s); StopTimeout the wait after SIGTERM before SIGKILL
	// (default 5s).
	StartTimeout time.Duration
	StopTimeout  time.Duration
	Logger       *slog.Logger
	Now          func() time.Time
}

// Provider runs deployments as local processes. Use New; Close stops
// every process it started.
type Provider struct {
	o      Options
	client *http.Client
	mu     sync.Mutex
	procs  map[string]*proc
	wg     sync.WaitGroup
	closed bool
}

// New returns a provider; it starts nothing.
func New(o Options) (*Provider, error) {
	if o.Dir == "" {
		return nil, errors.New("process provider: Dir is required")
	}
	if o.ScrapeInterval <= 0 {
		o.ScrapeInterval = 10 * time.Second
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if o.StopTimeout <= 0 {
		o.StopTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Provider{o: o, procs: map[string]*proc{}, client: &http.Client{Timeout: 5 * time.Second}}, nil
}

// proc is one deployment's running process and its goroutines.
type proc struct {
	dep     store.Deployment
	version int
	spec    Spec
	port    int
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	stop    chan struct{} // closed to stop supervising and scraping
	stopped chan struct{} // closed when its goroutines have returned
	mu      sync.Mutex
	// restarts counts the times the supervisor restarted it.
	restarts int
}

// Apply runs version v of the deployment: a process already running that
// version is left alone; otherwise the old process (if any) is stopped and
// the new one started and checked healthy.
func (p *Provider) Apply(ctx context.Context, d store.Deployment, v catalog.Version) (map[string]string, error) {
	spec, err := ParseTemplate(v.Template)
	if err != nil {
		return nil, fmt.Errorf("version %s of %s: %w", v.ID, d.Product, err)
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, errors.New("process provider is closed")
	}
	cur := p.procs[d.ID]
	p.mu.Unlock()
	if cur != nil && cur.version == v.Number && cur.alive() {
		return cur.outputs(), nil
	}
	if cur != nil {
		p.stopProc(cur)
	}
	np, err := p.start(ctx, d, v.Number, spec)
	if err != nil {
		return nil, err
	}
	return np.outputs(), nil
}

// Restore is Apply: after a restart nothing of the old process is left.
func (p *Provider) Restore(ctx context.Context, d store.Deployment, v catalog.Version) (map[string]string, error) {
	return p.Apply(ctx, d, v)
}

// Remove stops the deployment's process; with deleteResources its working
// directory (its log and data) is deleted too.
func (p *Provider) Remove(_ context.Context, d store.Deployment, deleteResources bool) error {
	p.mu.Lock()
	cur := p.procs[d.ID]
	p.mu.Unlock()
	if cur != nil {
		p.stopProc(cur)
	}
	if deleteResources {
		if err := os.RemoveAll(p.workDir(d.ID)); err != nil {
			return fmt.Errorf("delete the working directory of %s: %w", d.ID, err)
		}
	}
	return nil
}

// Running reports the version each running deployment runs (tests, the
// benchmark).
func (p *Provider) Running() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for id, pr := range p.procs {
		if pr.alive() {
			out[id] = pr.version
		}
	}
	return out
}

// PIDs returns the process ids of the running deployments.
func (p *Provider) PIDs() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for id, pr := range p.procs {
		if !pr.alive() {
			continue
		}
		pr.mu.Lock()
		if pr.cmd != nil && pr.cmd.Process != nil {
			out[id] = pr.cmd.Process.Pid
		}
		pr.mu.Unlock()
	}
	return out
}

// Run waits for ctx to end, then stops every process.
func (p *Provider) Run(ctx context.Context) error {
	<-ctx.Done()
	p.Close()
	return nil
}

// Close stops every process the provider started and waits for them.
func (p *Provider) Close() {
	p.mu.Lock()
	p.closed = true
	all := make([]*proc, 0, len(p.procs))
	for _, pr := range p.procs {
		all = append(all, pr)
	}
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, pr := range all {
		wg.Add(1)
		go func() { defer wg.Done(); p.stopProc(pr) }()
	}
	wg.Wait()
	p.wg.Wait()
}

func (p *Provider) workDir(id string) string { return filepath.Join(p.o.Dir, id) }

func (pr *proc) alive() bool {
	pr.mu.Lock()
	ch := pr.exited
	pr.mu.Unlock()
	select {
	case <-ch:
		return false
	default:
		return true
	}
}

func (pr *proc) outputs() map[string]string {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	out := map[string]string{"endpoint": "http://127.0.0.1:" + strconv.Itoa(pr.port), "version": strconv.Itoa(pr.version)}
	if pr.cmd != nil && pr.cmd.Process != nil {
		out["pid"] = strconv.Itoa(pr.cmd.Process.Pid)
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// start launches a deployment's process, waits for it to be healthy and
// hands it to a supervisor and a scraper.
func (p *Provider) start(ctx context.Context, d store.Deployment, version int, spec Spec) (*proc, error) {
	if err := os.MkdirAll(p.workDir(d.ID), 0o750); err != nil {
		return nil, fmt.Errorf("working directory of %s: %w", d.ID, err)
	}
	pr := &proc{dep: d, version: version, spec: spec, stop: make(chan struct{}), stopped: make(chan struct{})}
	if err := p.launch(pr); err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		p.kill(pr)
		return nil, errors.New("process provider is closed")
	}
	p.procs[d.ID] = pr
	p.wg.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		defer close(pr.stopped)
		p.supervise(pr)
	}()
	if err := p.waitHealthy(ctx, pr); err != nil {
		p.stopProc(pr)
		return nil, fmt.Errorf("deployment %s version %d did not become healthy: %w (its log: %s)", d.ID, version, err, filepath.Join(p.workDir(d.ID), "process.log"))
	}
	return pr, nil
}

// launch starts pr's process on a free port.
func (p *Provider) launch(pr *proc) error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("find a free port: %w", err)
	}
	d := pr.dep
	vars := map[string]string{"port": strconv.Itoa(port), "deployment": d.ID, "version": strconv.Itoa(pr.version),
		"tenants": strings.Join(d.Tenants, ","), "stack": d.Stack}
	args := make([]string, len(pr.spec.Command))
	for i, a := range pr.spec.Command {
		args[i] = expand(a, vars)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = p.workDir(d.ID)
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "TEND_DEPLOYMENT="+d.ID, "TEND_PRODUCT="+d.Product,
		"TEND_VERSION="+strconv.Itoa(pr.version), "TEND_TENANTS="+strings.Join(d.Tenants, ","))
	for k, v := range pr.spec.Env {
		cmd.Env = append(cmd.Env, k+"="+expand(v, vars))
	}
	logf, err := os.OpenFile(filepath.Join(cmd.Dir, "process.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open the log of %s: %w", d.ID, err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group (stopped as a whole), killed if tend dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s for %s: %w", args[0], d.ID, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(exited)
	}()
	pr.mu.Lock()
	pr.cmd, pr.port, pr.exited = cmd, port, exited
	pr.mu.Unlock()
	return nil
}

func (p *Provider) waitHealthy(ctx context.Context, pr *proc) error {
	deadline := time.NewTimer(p.o.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	pr.mu.Lock()
	url := "http://127.0.0.1:" + strconv.Itoa(pr.port) + pr.spec.HealthPath
	exited := pr.exited
	pr.mu.Unlock()
	last := "no answer"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := p.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%s answered %d", pr.spec.HealthPath, resp.StatusCode)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return errors.New("the process exited")
		case <-deadline.C:
			return fmt.Errorf("not healthy within %s (%s)", p.o.StartTimeout, last)
		case <-tick.C:
		}
	}
}

// supervise scrapes the process every ScrapeInterval and restarts it when
// it dies, until pr.stop is closed.
func (p *Provider) supervise(pr *proc) {
	log := p.o.Logger.With("deployment", pr.dep.ID, "version", pr.version)
	tick := time.NewTicker(p.o.ScrapeInterval)
	defer tick.Stop()
	sc := newScraper(p, pr)
	backoff := time.Second
	for {
		pr.mu.Lock()
		exited := pr.exited
		pr.mu.Unlock()
		select {
		case <-pr.stop:
			return
		case <-tick.C:
			sc.scrape()
		case <-exited:
			select {
			case <-pr.stop:
				return
			default:
			}
			log.Warn("deployment process exited; restarting it", "in", backoff.String())
			select {
			case <-pr.stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, time.Minute)
			if err := p.launch(pr); err != nil {
				log.Error("restart deployment process", "err", err)
				continue
			}
			pr.mu.Lock()
			pr.restarts++
			pr.mu.Unlock()
			sc.reset()
		}
	}
}

// stopProc stops supervising pr and its process: SIGTERM to its group,
// SIGKILL after StopTimeout.
func (p *Provider) stopProc(pr *proc) {
	p.mu.Lock()
	if p.procs[pr.dep.ID] == pr {
		delete(p.procs, pr.dep.ID)
	}
	p.mu.Unlock()
	pr.mu.Lock()
	select {
	case <-pr.stop:
	default:
		close(pr.stop)
	}
	pr.mu.Unlock()
	<-pr.stopped
	p.kill(pr)
}

func (p *Provider) kill(pr *proc) {
	pr.mu.Lock()
	cmd, exited := pr.cmd, pr.exited
	pr.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(p.o.StopTimeout):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-exited
	}
}

// Dir is the directory holding the deployments' working directories.
func (p *Provider) Dir() string { return p.o.Dir }
