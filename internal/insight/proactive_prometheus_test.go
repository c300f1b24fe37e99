package insight

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPredictLinearInPrometheus runs the rule people write today,
// `predict_linear(x[6h], 4*3600) > limit`, in the real Prometheus on the
// labelled set (docs/benchmarks.md, "Proactive insights"), beside the
// reimplementation of its regression that TestProactiveLabelledSet uses:
//
//	TEND_PROACTIVE_PROMETHEUS=full go test ./internal/insight -run TestPredictLinearInPrometheus -v -timeout 60m
//
// The series are backfilled with promtool tsdb create-blocks-from
// openmetrics (each moved to start on 2026-01-05), Debian's Prometheus
// serves the blocks, and the rule is evaluated every 5 minutes with the
// HTTP API's query_range; an episode of firing evaluations is one alert,
// and the time-to-limit at the first one is (limit − predict_linear(x[6h], 0))
// / deriv(x[6h]) there. Any other value of the variable runs the sample.
func TestPredictLinearInPrometheus(t *testing.T) {
	mode := os.Getenv("TEND_PROACTIVE_PROMETHEUS")
	if mode == "" {
		t.Skip("set TEND_PROACTIVE_PROMETHEUS=1 (sample) or =full: backfills the labelled set into Prometheus")
	}
	promtool, err1 := exec.LookPath("promtool")
	prom, err2 := exec.LookPath("prometheus")
	if err1 != nil || err2 != nil {
		t.Skip("promtool and prometheus are needed (Debian's prometheus package)")
	}
	pos, neg := labelledSet(mode == "full", labelledSeed())
	all := append(append([]labelled{}, pos...), neg...)
	base := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	shift := make([]time.Duration, len(all))
	dir := t.TempDir()
	om := filepath.Join(dir, "labelled.om")
	f, err := os.Create(om)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "# TYPE tend_labelled gauge")
	samples := 0
	for i, l := range all {
		shift[i] = base.Sub(l.times[0])
		for j, at := range l.times {
			fmt.Fprintf(w, "tend_labelled{s=\"%d\"} %s %s\n", i, strconv.FormatFloat(l.vals[j], 'g', -1, 64),
				strconv.FormatFloat(float64(at.Add(shift[i]).UnixMilli())/1000, 'f', 3, 64))
			samples++
		}
	}
	fmt.Fprintln(w, "# EOF")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	blocks := filepath.Join(dir, "tsdb")
	began := time.Now()
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=720h", om, blocks).CombinedOutput(); err != nil {
		t.Fatalf("promtool: %v\n%s", err, out)
	}
	_ = os.Remove(om)
	t.Logf("backfilled %d series, %d samples in %s", len(all), samples, time.Since(began).Round(time.Second))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  evaluation_interval: 5m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs, _ := os.Create(filepath.Join(dir, "prometheus.log"))
	cmd := exec.CommandContext(ctx, prom, "--config.file="+cfg, "--storage.tsdb.path="+blocks, "--storage.tsdb.retention.time=100y",
		"--web.listen-address="+addr, "--query.max-samples=200000000")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	api := "http://" + addr
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if resp, err := http.Get(api + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Fatalf("prometheus not ready:\n%s", b)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The rule, in Prometheus, per series.
	outcomes := make([]outcome, len(all))
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				outcomes[i], errs[i] = promPredictLinear(api, i, all[i], shift[i])
			}
		}()
	}
	began = time.Now()
	for i := range all {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", all[i].name, err)
		}
	}
	t.Logf("evaluated the rule on %d series in %s", len(all), time.Since(began).Round(time.Second))

	// Beside the reimplementation and tend.
	p, err := NewProactive(ProactiveOptions{Store: newMemStore(), Config: DefaultProactiveConfig()})
	if err != nil {
		t.Fatal(err)
	}
	groups := map[string]*[3]tally{}
	var total [3]tally
	agree, firstAgree, firsts := 0, 0, 0
	for i, l := range all {
		key := strings.SplitN(l.name, "/", 2)[0] + " " + l.kind
		if groups[key] == nil {
			groups[key] = &[3]tally{}
		}
		got := [3]outcome{runTend(p, l), runPredictLinear(l), outcomes[i]}
		if got[1].opened == got[2].opened {
			agree++
		}
		if !got[1].first.IsZero() || !got[2].first.IsZero() {
			firsts++
			if d := got[1].first.Sub(got[2].first); !got[1].first.IsZero() && !got[2].first.IsZero() && d.Abs() <= 15*time.Minute {
				firstAgree++
			} else if os.Getenv("TEND_PROACTIVE_DEBUG") != "" {
				t.Logf("%s: first alert reimplemented %s, in Prometheus %s", l.name, got[1].first, got[2].first)
			}
		}
		for k := range got {
			for _, g := range []*tally{&groups[key][k], &total[k]} {
				if i < len(pos) {
					g.positive(got[k], l, p.cfg.horizon(l.kind))
				} else {
					g.negative(got[k], l)
				}
			}
		}
	}
	names := [3]string{"tend", "predict_linear, reimplemented", "predict_linear in Prometheus"}
	var b strings.Builder
	b.WriteString("| set | predictor | caught | median lead (of horizon) | median time-to-limit error at opening | false alerts on series that never exhaust |\n|---|---|---|---|---|---|\n")
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range append(keys, "all") {
		g := &total
		if k != "all" {
			g = groups[k]
		}
		for j := range g {
			b.WriteString("| " + k + " " + strings.TrimPrefix(g[j].row(names[j]), "| ") + "\n")
		}
	}
	t.Logf("%d positive and %d negative series; the reimplementation and Prometheus raise as many alerts on %d of %d series, "+
		"their first alerts within 15 minutes on %d of the %d series where either alerts\n%s",
		len(pos), len(neg), agree, len(all), firstAgree, firsts, b.String())
	if agree < len(all)*9/10 {
		t.Errorf("the reimplementation of predict_linear agrees with Prometheus on only %d of %d series", agree, len(all))
	}
}

// promPredictLinear evaluates the rule on series i every 5 minutes from
// its first sample to the last one before its limit.
func promPredictLinear(api string, i int, l labelled, shift time.Duration) (outcome, error) {
	var o outcome
	end := len(l.times) - 1
	if l.hit >= 0 {
		end = l.hit - 1
	}
	if end < 1 {
		return o, nil
	}
	sel := fmt.Sprintf(`tend_labelled{s="%d"}`, i)
	q := fmt.Sprintf(`predict_linear(%s[6h], 4*3600) > %g`, sel, l.limit)
	const step = 5 * time.Minute
	from, to := l.times[0].Add(shift), l.times[end].Add(shift)
	var firing []time.Time
	for s := from; !s.After(to); s = s.Add(10000 * step) {
		e := s.Add(9999 * step)
		if e.After(to) {
			e = to
		}
		var r promResult
		if err := promQuery(api+"/api/v1/query_range", url.Values{"query": {q}, "start": {promTime(s)}, "end": {promTime(e)}, "step": {"300"}}, &r); err != nil {
			return o, err
		}
		for _, m := range r.Data.Result {
			for _, v := range m.Values {
				sec, _ := v[0].(float64)
				firing = append(firing, time.UnixMilli(int64(math.Round(sec*1000))).UTC())
			}
		}
	}
	sort.Slice(firing, func(a, b int) bool { return firing[a].Before(firing[b]) })
	for k, at := range firing {
		if k == 0 || at.Sub(firing[k-1]) > step {
			o.opened++
		}
	}
	if len(firing) == 0 {
		return o, nil
	}
	at := firing[0]
	o.first = at.Add(-shift)
	level, err1 := promInstant(api, fmt.Sprintf(`predict_linear(%s[6h], 0)`, sel), at)
	slope, err2 := promInstant(api, fmt.Sprintf(`deriv(%s[6h])`, sel), at)
	if err1 != nil || err2 != nil {
		return o, fmt.Errorf("level %v, slope %v", err1, err2)
	}
	if slope > 0 {
		o.ttlPred = time.Duration((l.limit - level) / slope * float64(time.Second))
	}
	return o, nil
}

type promResult struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		Result []struct {
			Values [][2]any `json:"values"`
			Value  [2]any   `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

func promTime(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)
}

func promQuery(u string, v url.Values, r *promResult) error {
	resp, err := http.PostForm(u, v)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(r); err != nil {
		return err
	}
	if r.Status != "success" {
		return fmt.Errorf("%s: %s", v.Get("query"), r.Error)
	}
	return nil
}

func promInstant(api, q string, at time.Time) (float64, error) {
	var r promResult
	if err := promQuery(api+"/api/v1/query", url.Values{"query": {q}, "time": {promTime(at)}}, &r); err != nil {
		return 0, err
	}
	if len(r.Data.Result) != 1 {
		return 0, fmt.Errorf("%s at %s: %d results", q, at, len(r.Data.Result))
	}
	s, _ := r.Data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}
