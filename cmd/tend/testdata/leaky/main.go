// Command leaky is a process that leaks memory at a set rate, for tend's
// proactive-insight test: it stands in for a container with a memory
// limit. On /metrics it reports its resident memory as a container's
// working set, with the limit, under cAdvisor's metric names; when its
// memory reaches the limit it exits as the OOM killer would end it.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address of /metrics")
	rate := flag.Int64("rate", 2<<20, "bytes leaked per second")
	limit := flag.Int64("limit", 400<<20, "memory limit in bytes")
	flag.Parse()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", ln.Addr())
	var mu sync.Mutex
	labels := `namespace="demo",pod="leaky-0",container="leaky"`
	http.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		rss := resident()
		fmt.Fprintf(w, "# TYPE container_memory_working_set_bytes gauge\ncontainer_memory_working_set_bytes{%s} %d\n", labels, rss)
		fmt.Fprintf(w, "# TYPE container_spec_memory_limit_bytes gauge\ncontainer_spec_memory_limit_bytes{%s} %d\n", labels, *limit)
		fmt.Fprintf(w, "# TYPE leaky_rate_bytes_per_second gauge\nleaky_rate_bytes_per_second %d\n", *rate)
	})
	go func() { _ = http.Serve(ln, nil) }()
	var kept [][]byte
	tick := time.NewTicker(100 * time.Millisecond)
	for range tick.C {
		b := make([]byte, *rate/10)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1 // touch every page: resident, not just reserved
		}
		mu.Lock()
		kept = append(kept, b)
		rss := resident()
		mu.Unlock()
		if rss >= *limit {
			fmt.Printf("OOM: %d bytes resident, limit %d\n", rss, *limit)
			os.Exit(137)
		}
	}
}

// resident reads the resident set size from /proc/self/statm.
func resident() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
