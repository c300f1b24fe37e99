package watch_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/ingest"
	"github.com/tendhq/tend/internal/series"
	"github.com/tendhq/tend/internal/watch"
)

func TestSnapshotRestoresLearnedState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "watch.snapshot")
	rec := &recorder{}
	w, _ := watch.New(watch.Options{Observer: rec, Baseline: time.Minute, SnapshotPath: path})
	stop := start(t, w)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	var batch []ingest.Sample
	for i := range 100 {
		batch = append(batch, ingest.Sample{Metric: "cpu", Labels: host("web-1"), TimeMs: t0 + int64(i)*10_000, Value: 20 + float64(i%3)})
		batch = append(batch, ingest.Sample{Metric: "req_total", Labels: host("web-1"), TimeMs: t0 + int64(i)*10_000, Value: float64(i), Counter: true})
	}
	if err := w.Append(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	waitProcessed(t, w)
	stop() // saves on the way out
	before, _ := w.List(series.Selector{}, 0, 0)

	rec2 := &recorder{}
	w2, _ := watch.New(watch.Options{Observer: rec2, Baseline: time.Minute})
	n, err := w2.LoadSnapshot(path)
	if err != nil || n != 2 {
		t.Fatalf("LoadSnapshot = %d, %v", n, err)
	}
	after, _ := w2.List(series.Selector{}, 0, 0)
	for i := range before {
		b, a := before[i], after[i]
		if a.ID != b.ID || a.Samples != b.Samples || !a.First.Equal(b.First) || !a.Last.Equal(b.Last) || a.Resource != b.Resource || a.Baselining {
			t.Fatalf("restored %+v\nwant %+v", a, b)
		}
	}
	stop2 := start(t, w2)
	next := t0 + 100*10_000
	if err := w2.Append(context.Background(), []ingest.Sample{
		{Metric: "cpu", Labels: host("web-1"), TimeMs: next, Value: 90},
		{Metric: "req_total", Labels: host("web-1"), TimeMs: next, Value: 100, Counter: true},
	}); err != nil {
		t.Fatal(err)
	}
	waitProcessed(t, w2)
	stop2()
	obs := rec2.all()
	if len(obs) != 2 {
		t.Fatalf("%d observations after restore, want 2 (the counter continues its rate)", len(obs))
	}
	for _, o := range obs {
		if o.Baselining {
			t.Errorf("%s is baselining again after restore", o.Series.Metric)
		}
		if o.Series.Metric == "cpu" && o.Score < 0.5 {
			t.Errorf("restored detector scored a spike %v: it forgot its baseline", o.Score)
		}
	}
}

func TestSnapshotCorrupt(t *testing.T) {
	w, _ := watch.New(watch.Options{Observer: &recorder{}})
	for name, data := range map[string]string{
		"wrong header": "hello",
		"truncated":    "tend-watch-snapshot-1\n\x01\x05",
		"huge string":  "tend-watch-snapshot-1\n\x01\x05\xff\xff\xff\xff\x0f",
	} {
		if _, err := w.ReadSnapshot(strings.NewReader(data)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	path := filepath.Join(t.TempDir(), "missing")
	if n, err := w.LoadSnapshot(path); n != 0 || err != nil {
		t.Fatalf("missing file: %d %v", n, err)
	}
	var buf bytes.Buffer
	if n, err := w.WriteSnapshot(&buf); n != 0 || err != nil {
		t.Fatal(err)
	}
	if n, err := w.ReadSnapshot(&buf); n != 0 || err != nil {
		t.Fatalf("empty snapshot: %d %v", n, err)
	}
	_ = os.Remove(path)
}
