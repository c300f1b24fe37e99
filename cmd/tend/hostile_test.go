package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang/snappy"
	"github.com/prometheus/prometheus/prompb"
)

// The tests in this file run the tend binary and attack it from outside,
// as docs/security.md lists: each case is sent over HTTP to a running
// `tend serve`, its answer checked, tend checked to be up and to have
// stored nothing of what it refused.

var (
	hostileBuild    sync.Once
	hostileBin      string
	hostileBuildErr error
)

// hostileBinary builds the tend binary once for this package's tests.
func hostileBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	hostileBuild.Do(func() {
		dir, err := os.MkdirTemp("", "tend-hostile-")
		if err != nil {
			hostileBuildErr = err
			return
		}
		hostileBin = filepath.Join(dir, "tend")
		if out, err := exec.Command("go", "build", "-o", hostileBin, ".").CombinedOutput(); err != nil {
			hostileBuildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if hostileBuildErr != nil {
		t.Fatal(hostileBuildErr)
	}
	return hostileBin
}

// hostileServer is a tend serve process under test.
type hostileServer struct {
	t    *testing.T
	bin  string
	data string
	addr string
	key  string
	env  []string
	mu   sync.Mutex
	cmd  *exec.Cmd
	log  bytes.Buffer
}

// lockedWriter serialises the child's two output streams into one buffer.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.b.Len() > 4<<20 {
		return len(p), nil
	}
	return w.b.Write(p)
}

// startHostile creates a data directory and an API key, and starts tend
// serve on a free port with the host agent off and env added.
func startHostile(t *testing.T, bin string, env ...string) *hostileServer {
	t.Helper()
	s := &hostileServer{t: t, bin: bin, data: filepath.Join(t.TempDir(), "data")}
	out, err := exec.Command(bin, "apikey", "create", "--name", "hostile", "--data-dir", s.data).Output()
	if err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	s.key = strings.TrimSpace(string(out))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	ln.Close()
	s.env = append(os.Environ(), "TEND_CONFIG=", "TEND_DATA_DIR="+s.data, "TEND_SERVER_LISTEN="+s.addr,
		"TEND_INGEST_HOST_ENABLED=false", "TEND_LOG_LEVEL=warn")
	s.env = append(s.env, env...)
	s.start()
	t.Cleanup(func() {
		s.stop(syscall.SIGKILL)
		if t.Failed() {
			s.mu.Lock()
			t.Logf("tend's log (last 4 KiB):\n%s", hostileTail(s.log.String(), 4096))
			s.mu.Unlock()
		}
	})
	s.waitReady(60 * time.Second)
	return s
}

func (s *hostileServer) start() {
	s.t.Helper()
	c := exec.Command(s.bin, "serve", "--log-format", "json")
	c.Env = s.env
	c.Stdout, c.Stderr = lockedWriter{&s.mu, &s.log}, lockedWriter{&s.mu, &s.log}
	if err := c.Start(); err != nil {
		s.t.Fatalf("start tend: %v", err)
	}
	s.mu.Lock()
	s.cmd = c
	s.mu.Unlock()
}

// stop sends sig and waits for the process.
func (s *hostileServer) stop(sig syscall.Signal) {
	s.mu.Lock()
	c := s.cmd
	s.mu.Unlock()
	if c == nil || c.ProcessState != nil {
		return
	}
	_ = c.Process.Signal(sig)
	_ = c.Wait()
}

func (s *hostileServer) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// up reports whether /readyz answers 200.
func (s *hostileServer) up() bool {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + s.addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (s *hostileServer) waitReady(d time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for !s.up() {
		if time.Now().After(deadline) {
			s.t.Fatalf("tend not ready after %s", d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// post sends body with the API key and returns the status and the body.
func (s *hostileServer) post(path, ctype, enc string, body []byte) (int, string) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+s.addr+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	if enc != "" {
		req.Header.Set("Content-Encoding", enc)
	}
	if strings.HasPrefix(path, "/api/v1/write") {
		req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	}
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}

// getJSON GETs path with the API key into v.
func (s *hostileServer) getJSON(path string, v any) {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.key)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		s.t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
}

// rss is the process' resident set in bytes.
func (s *hostileServer) rss() int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid()))
	if err != nil {
		s.t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	s.t.Fatal("no VmRSS")
	return 0
}

func rwBody(t *testing.T, ts ...prompb.TimeSeries) []byte {
	t.Helper()
	raw, err := (&prompb.WriteRequest{Timeseries: ts}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return snappy.Encode(nil, raw)
}

func rwSeries(metric string, v float64, labels ...string) prompb.TimeSeries {
	ls := []prompb.Label{{Name: "__name__", Value: metric}}
	for i := 0; i+1 < len(labels); i += 2 {
		ls = append(ls, prompb.Label{Name: labels[i], Value: labels[i+1]})
	}
	return prompb.TimeSeries{Labels: ls, Samples: []prompb.Sample{{Value: v, Timestamp: time.Now().UnixMilli()}}}
}

func gzipped(t *testing.T, size int, chunk []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for n := 0; n < size; n += len(chunk) {
		if _, err := zw.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// nested is depth opening brackets of a JSON array inside obj's field.
func nested(prefix string, depth int, suffix string) []byte {
	return []byte(prefix + strings.Repeat("[", depth) + strings.Repeat("]", depth) + suffix)
}

// TestHostileInputs sends each hostile request of docs/security.md to the
// binary: decompression bombs (413, RSS flat), 10 MB label values,
// 100,000 labels, deeply nested JSON, invalid UTF-8 and NaN/±Inf (a 400
// naming what is wrong, or, for remote_write's NaN, Prometheus' staleness
// marker, accepted and not scored), and then checks that tend is up and
// stored nothing of what it refused.
func TestHostileInputs(t *testing.T) {
	t0 := time.Now()
	s := startHostile(t, hostileBinary(t))
	const rw, otlp = "/api/v1/write", "/v1/metrics"
	const pb, js = "application/x-protobuf", "application/json"

	// One good series, so the "nothing stored" checks have something to see.
	if code, b := s.post(rw, pb, "snappy", rwBody(t, rwSeries("hostile_ok", 1, "host", "h1"))); code != http.StatusNoContent {
		t.Fatalf("a good remote_write: %d %s", code, b)
	}

	// Decompression bombs, each sent 20 times; RSS must stay flat.
	forged := binary.AppendUvarint(nil, 3<<30) // claims 3 GiB decoded
	forged = append(forged, snappy.Encode(nil, make([]byte, 1024))[2:]...)
	realSnappy := snappy.Encode(nil, make([]byte, 48<<20)) // 48 MiB of zeros
	gz := gzipped(t, 64<<20, make([]byte, 1<<20))          // 64 MiB of zeros
	gzLying := append([]byte(nil), gz...)                  // says it inflates to 1,000 bytes
	binary.LittleEndian.PutUint32(gzLying[len(gzLying)-4:], 1000)
	gzJSON := gzipped(t, 48<<20, []byte(strings.Repeat(`{"resourceMetrics":[]},`, 4096)))
	t.Logf("bombs: forged snappy %d B (claims 3 GiB), snappy %d B (48 MiB), gzip %d B (64 MiB), gzip JSON %d B (48 MiB)", len(forged), len(realSnappy), len(gz), len(gzJSON))
	rss0 := s.rss()
	bombs := []struct {
		name, path, ctype, enc string
		body                   []byte
		status                 int
		in                     string
	}{
		{"snappy header claims 3 GiB", rw, pb, "snappy", forged, 413, "ingest.max_decoded_bytes"},
		{"snappy of 48 MiB", rw, pb, "snappy", realSnappy, 413, "max_body_bytes"},
		{"gzip of 64 MiB (protobuf)", otlp, pb, "gzip", gz, 413, "ingest.max_decoded_bytes"},
		{"gzip of 48 MiB (JSON)", otlp, js, "gzip", gzJSON, 413, "ingest.max_decoded_bytes"},
		{"gzip of 64 MiB whose trailer says 1,000 bytes", otlp, pb, "gzip", gzLying, 413, "ingest.max_decoded_bytes"},
	}
	t.Logf("started in %s", time.Since(t0).Round(time.Millisecond))
	t1 := time.Now()
	for n, c := range bombs {
		if n == len(bombs)-1 {
			// The honest bombs are refused before anything is inflated.
			if grew := s.rss() - rss0; grew > 32<<20 {
				t.Errorf("RSS grew by %d MiB over 80 bombs (from %d MiB)", grew>>20, rss0>>20)
			} else {
				t.Logf("RSS %d MiB before the bombs, %+d MiB after 80 of them", rss0>>20, grew>>20)
			}
		}
		for i := range 20 {
			code, b := s.post(c.path, c.ctype, c.enc, c.body)
			if code != c.status || !strings.Contains(b, c.in) {
				t.Fatalf("%s (#%d): %d %s, want %d naming %s", c.name, i, code, b, c.status, c.in)
			}
			if i == 0 {
				t.Logf("%s → %d %s", c.name, code, oneLine(b))
			}
		}
	}
	// One whose trailer lies is inflated up to ingest.max_decoded_bytes
	// (32 MiB) and no further: the growth is bounded by a few times that.
	if grew := s.rss() - rss0; grew > 128<<20 {
		t.Errorf("RSS grew by %d MiB over 100 bombs (from %d MiB)", grew>>20, rss0>>20)
	} else {
		t.Logf("RSS %+d MiB after 20 more whose gzip trailer lies", grew>>20)
	}

	t.Logf("bombs sent in %s", time.Since(t1).Round(time.Millisecond))
	big := strings.Repeat("x", 10<<20)
	many := make([]string, 0, 200_000)
	for i := range 100_000 {
		many = append(many, "l"+strconv.Itoa(i), "v")
	}
	manyAttrs := make([]string, 0, 100_000)
	for i := range 100_000 {
		manyAttrs = append(manyAttrs, fmt.Sprintf(`{"key":"l%d","value":{"stringValue":"v"}}`, i))
	}
	otlpJSON := func(attrs, value string) []byte {
		return []byte(`{"resourceMetrics":[{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"h9"}}]},"scopeMetrics":[{"metrics":[{"name":"hostile_otlp","gauge":{"dataPoints":[{"timeUnixNano":"` +
			strconv.FormatInt(time.Now().UnixNano(), 10) + `","asDouble":` + value + `,"attributes":[` + attrs + `]}]}}]}]}]}`)
	}
	gzb := func(b []byte) []byte { return gzipped(t, len(b), b) }
	badUTF8 := "caf\xc3\x28"
	cases := []struct {
		name, path, ctype, enc string
		body                   []byte
		status                 int
		in                     []string
	}{
		{"remote_write: a 10 MB label value", rw, pb, "snappy", rwBody(t, rwSeries("hostile_big", 1, "host", big)), 400, []string{"timeseries[0].labels", "longer than 4096"}},
		{"remote_write: 100,000 labels", rw, pb, "snappy", rwBody(t, rwSeries("hostile_many", 1, many...)), 400, []string{"timeseries[0].labels", "100000 labels"}},
		{"remote_write: invalid UTF-8 in a label", rw, pb, "snappy", rwBody(t, rwSeries("hostile_utf8", 1, "host", badUTF8)), 400, []string{"timeseries[0].labels", "UTF-8"}},
		{"remote_write: invalid UTF-8 in the metric name", rw, pb, "snappy", rwBody(t, rwSeries("hostile_\xff", 1)), 400, []string{"timeseries[0].labels", "UTF-8"}},
		{"remote_write: a good series after a bad one", rw, pb, "snappy", rwBody(t, rwSeries("hostile_good_first", 1), rwSeries("hostile_big2", 1, "v", big)), 400, []string{"timeseries[1].labels"}},
		{"remote_write: NaN, +Inf, -Inf (staleness markers)", rw, pb, "snappy", rwBody(t, rwSeries("hostile_nan", math.NaN()), rwSeries("hostile_inf", math.Inf(1)), rwSeries("hostile_ninf", math.Inf(-1))), 204, nil},
		{"OTLP JSON: a 10 MB attribute value (gzip)", otlp, js, "gzip", gzb(otlpJSON(`{"key":"k","value":{"stringValue":"`+big+`"}}`, "1")), 400, []string{"hostile_otlp", "longer than 4096"}},
		{"OTLP JSON: 100,000 attributes (gzip)", otlp, js, "gzip", gzb(otlpJSON(strings.Join(manyAttrs, ","), "1")), 400, []string{"hostile_otlp", "labels, more than the limit"}},
		{"OTLP JSON: NaN", otlp, js, "", otlpJSON("", `"NaN"`), 400, []string{"hostile_otlp", "not a finite number"}},
		{"OTLP JSON: Infinity", otlp, js, "", otlpJSON("", `"Infinity"`), 400, []string{"hostile_otlp", "not a finite number"}},
		{"OTLP JSON: -Infinity", otlp, js, "", otlpJSON("", `"-Infinity"`), 400, []string{"hostile_otlp", "not a finite number"}},
		{"OTLP JSON: invalid UTF-8", otlp, js, "", otlpJSON(`{"key":"k","value":{"stringValue":"`+badUTF8+`"}}`, "1"), 400, []string{"UTF-8"}},
		{"OTLP JSON: nested 100,000 deep", otlp, js, "", nested(`{"resourceMetrics":`, 100_000, `}`), 400, []string{"JSON"}},
		{"Dynatrace webhook: nested 100,000 deep", "/v1/webhooks/dynatrace", js, "", nested(`{"State":"OPEN","PID":"P1","ProblemTitle":"x","ImpactedEntities":`, 100_000, `}`), 400, []string{"JSON"}},
		{"Dynatrace webhook: invalid UTF-8", "/v1/webhooks/dynatrace", js, "", []byte(`{"State":"OPEN","PID":"P2","ProblemTitle":"` + badUTF8 + `"}`), 400, []string{"ProblemTitle", "UTF-8"}},
		{"Dynatrace webhook: a 10 MB title", "/v1/webhooks/dynatrace", js, "", []byte(`{"State":"OPEN","PID":"P3","ProblemTitle":"` + big + `"}`), 413, []string{"max_body_bytes"}},
		{"Dynatrace webhook: NaN", "/v1/webhooks/dynatrace", js, "", []byte(`{"State":"OPEN","PID":NaN,"ProblemTitle":"x"}`), 400, []string{"JSON"}},
		{"problems: nested 100,000 deep", "/v1/problems", js, "", nested(`{"source":"x","id":"1","title":"t","entities":`, 100_000, `}`), 400, []string{"JSON"}},
		{"problems: invalid UTF-8", "/v1/problems", js, "", []byte(`{"title":"` + badUTF8 + `"}`), 400, []string{"title", "UTF-8"}},
		{"events: nested 100,000 deep", "/v1/events", js, "", nested(`{"type":"deployment","resources":`, 100_000, `}`), 400, []string{"JSON"}},
		{"events: invalid UTF-8", "/v1/events", js, "", []byte(`{"title":"` + badUTF8 + `"}`), 400, []string{"title", "UTF-8"}},
		{"events: Infinity", "/v1/events", js, "", []byte(`{"title":"x","value":Infinity}`), 400, []string{"JSON"}},
		{"Alertmanager webhook: nested 100,000 deep", "/v1/webhooks/alertmanager", js, "", nested(`{"version":"4","alerts":`, 100_000, `}`), 400, []string{"JSON"}},
	}
	for _, c := range cases {
		t0 := time.Now()
		code, b := s.post(c.path, c.ctype, c.enc, c.body)
		took := time.Since(t0)
		ok := code == c.status
		for _, in := range c.in {
			ok = ok && strings.Contains(b, in)
		}
		if !ok {
			t.Errorf("%s: %d %s, want %d naming %q", c.name, code, oneLine(b), c.status, c.in)
			continue
		}
		t.Logf("%s → %d in %s: %s", c.name, code, took.Round(time.Millisecond), oneLine(b))
		if !s.up() {
			t.Fatalf("tend is down after %s", c.name)
		}
	}

	// Nothing half-stored: the only series is the good one, no problem, no event.
	if code, b := s.post(rw, pb, "snappy", rwBody(t, rwSeries("hostile_ok", 2, "host", "h1"))); code != http.StatusNoContent {
		t.Fatalf("a good remote_write after the attacks: %d %s", code, b)
	}
	var page struct {
		Total  int `json:"total"`
		Series []struct {
			Metric string `json:"metric"`
		} `json:"series"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		s.getJSON("/v1/series?limit=100", &page)
		if page.Total >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if page.Total != 1 || page.Series[0].Metric != "hostile_ok" {
		t.Errorf("series after the attacks = %+v, want only hostile_ok", page)
	}
	var problems struct {
		Problems []json.RawMessage `json:"problems"`
	}
	s.getJSON("/v1/problems", &problems)
	if len(problems.Problems) != 0 {
		t.Errorf("%d problems stored from refused requests: %s", len(problems.Problems), problems.Problems[0])
	}
	var events struct {
		Events []json.RawMessage `json:"events"`
	}
	s.getJSON("/v1/events", &events)
	if len(events.Events) != 0 {
		t.Errorf("%d events stored from refused requests", len(events.Events))
	}
	if !s.up() {
		t.Fatal("tend is down")
	}
}

func execOutput(bin string, args ...string) (string, error) {
	out, err := exec.Command(bin, args...).Output()
	return string(out), err
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func decodeJSON(resp *http.Response, v any) error {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func hostileTail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}
