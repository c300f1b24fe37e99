// Command demosvc is a small HTTP service for trying tend's process
// provider and rollouts on one machine: it serves /work (with a configured
// latency and share of errors), /healthz and Prometheus metrics at
// /metrics, and sends itself a steady load so that every deployment has
// traffic. Its behaviour comes from the environment, which a product
// template's Tend::Local::Process resource sets per version:
//
//	PORT            port to listen on, on 127.0.0.1 (required)
//	VERSION         reported in demo_build_info
//	ERROR_RATE      share of /work requests answered 500 (default 0)
//	LATENCY         mean time a /work request takes (default 20ms)
//	LOAD            requests per second it sends itself (default 20)
//	START_DELAY     wait this long before serving /healthz (default 0)
//	FAIL_HEALTH     when "1", /healthz answers 503 (a version that never starts)
//
// It uses only the standard library, so tests build it in a second.
package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type stats struct {
	mu       sync.Mutex
	ok, errs uint64
	durSum   float64
	durCount uint64
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		fmt.Fprintln(os.Stderr, "demosvc: PORT is required")
		os.Exit(2)
	}
	errRate := envFloat("ERROR_RATE", 0)
	latency := envDuration("LATENCY", 20*time.Millisecond)
	load := envFloat("LOAD", 20)
	startDelay := envDuration("START_DELAY", 0)
	version := os.Getenv("VERSION")
	failHealth := os.Getenv("FAIL_HEALTH") == "1"
	started := time.Now()
	var st stats
	var healthy atomic.Bool

	mux := http.NewServeMux()
	mux.HandleFunc("/work", func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		// Exponentially distributed around the mean, like real service times.
		time.Sleep(time.Duration(rand.ExpFloat64() * float64(latency)))
		fail := rand.Float64() < errRate
		if fail {
			w.WriteHeader(http.StatusInternalServerError)
		}
		d := time.Since(t0).Seconds()
		st.mu.Lock()
		if fail {
			st.errs++
		} else {
			st.ok++
		}
		st.durSum += d
		st.durCount++
		st.mu.Unlock()
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		if failHealth || !healthy.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		ok, errs, sum, count := st.ok, st.errs, st.durSum, st.durCount
		st.mu.Unlock()
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		cpu := float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP http_requests_total Requests served, by status code.\n# TYPE http_requests_total counter\n")
		fmt.Fprintf(w, "http_requests_total{code=\"200\"} %d\nhttp_requests_total{code=\"500\"} %d\n", ok, errs)
		fmt.Fprintf(w, "# HELP http_request_duration_seconds Time to serve /work.\n# TYPE http_request_duration_seconds summary\n")
		fmt.Fprintf(w, "http_request_duration_seconds_sum %g\nhttp_request_duration_seconds_count %d\n", sum, count)
		fmt.Fprintf(w, "# HELP process_cpu_seconds_total CPU time used.\n# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\n", cpu)
		fmt.Fprintf(w, "# HELP demo_build_info The version running.\n# TYPE demo_build_info gauge\ndemo_build_info{version=%q} 1\n", version)
		fmt.Fprintf(w, "# HELP process_start_time_seconds Start time.\n# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %d\n", started.Unix())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demosvc:", err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	go func() {
		time.Sleep(startDelay)
		healthy.Store(true)
	}()
	if load > 0 {
		go selfLoad(ctx, "http://"+ln.Addr().String()+"/work", load)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "demosvc:", err)
		os.Exit(1)
	}
}

// selfLoad sends rate requests per second, each on its own goroutine so
// that slow answers do not slow the load down.
func selfLoad(ctx context.Context, url string, rate float64) {
	client := &http.Client{Timeout: 10 * time.Second}
	t := time.NewTicker(time.Duration(float64(time.Second) / rate))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			go func() {
				resp, err := client.Get(url)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
	}
}

func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return v
	}
	return def
}
