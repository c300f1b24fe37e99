package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progress draws a one-line progress bar with the rate on a terminal and
// stays quiet elsewhere (logs and pipes get only the command's summary).
// It is safe for concurrent use.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	label string
	unit  string
	total int
	last  time.Time
	start time.Time
	eta   bool // show the estimated time left (withETA)
}

// withETA makes the bar also show the estimated time left.
func (p *progress) withETA() *progress {
	p.eta = true
	return p
}

// newProgress returns a bar for total units (0 if not yet known); off
// disables it.
func newProgress(w io.Writer, label, unit string, total int, off bool) *progress {
	on := false
	if f, ok := w.(*os.File); ok && !off {
		on = term.IsTerminal(int(f.Fd()))
	}
	return &progress{w: w, on: on, label: label, unit: unit, total: total, start: time.Now()}
}

// update sets the total and the units done.
func (p *progress) update(done, total int) {
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
	p.set(done)
}

// set records the units done, redrawing at most ten times a second.
func (p *progress) set(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.on || (time.Since(p.last) < 100*time.Millisecond && n < p.total) {
		return
	}
	p.last = time.Now()
	const width = 30
	total := max(p.total, 1)
	filled := min(width*n/total, width)
	rate := float64(n) / max(time.Since(p.start).Seconds(), 1e-3)
	fmt.Fprintf(p.w, "\r%s [%s%s] %3d%% %d/%d %s  %.0f/s ", p.label, strings.Repeat("█", filled), strings.Repeat("░", width-filled),
		min(100*n/total, 100), n, p.total, p.unit, rate)
	if p.eta && rate > 0 && n < p.total {
		left := time.Duration(float64(p.total-n) / rate * float64(time.Second))
		fmt.Fprintf(p.w, "ETA %s ", left.Round(time.Second))
	}
}

// done ends the bar's line.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.on {
		fmt.Fprintln(p.w)
	}
}
