package hostagent

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/tendhq/tend/internal/ingest"
)

// procFS loads testdata/proc into a MapFS so tests can change files.
func procFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	root := "testdata/proc"
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fakeStatfs(path string) (uint64, uint64, uint64, error) {
	switch path {
	case "/":
		return 100, 25, 75, nil
	case "/var/lib/my data":
		return 1000, 900, 100, nil
	}
	return 0, 0, 0, errors.New("no such mount")
}

func value(t *testing.T, samples []ingest.Sample, metric string, label ...string) float64 {
	t.Helper()
	for _, s := range samples {
		if s.Metric != metric {
			continue
		}
		ok := true
		for i := 0; i+1 < len(label); i += 2 {
			found := false
			for _, l := range s.Labels {
				found = found || (l.Name == label[i] && l.Value == label[i+1])
			}
			ok = ok && found
		}
		if ok {
			return s.Value
		}
	}
	t.Fatalf("no %s %v in %d samples", metric, label, len(samples))
	return 0
}

func TestCollect(t *testing.T) {
	fsys := procFS(t)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := New(Options{Proc: fsys, Statfs: fakeStatfs, Sink: ingest.SinkFunc(func(context.Context, []ingest.Sample) error { return nil }),
		Hostname: "web-1", InstanceID: "i-0abc", InstanceType: "m5.large", Labels: map[string]string{"stack": "shop"}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	first, err := a.Collect()
	if err != nil {
		t.Fatal(err)
	}
	for metric, want := range map[string]float64{
		"host_load1": 22.74, "host_load15": 14.90,
		"host_memory_utilization": 100 * float64(24684092-18750060) / 24684092,
		"host_swap_utilization":   25,
	} {
		if got := value(t, first, metric); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %v, want %v", metric, got, want)
		}
	}
	if got := value(t, first, "host_disk_utilization", "mount", "/"); got != 75 {
		t.Errorf("disk / = %v", got)
	}
	if got := value(t, first, "host_disk_utilization", "mount", "/var/lib/my data"); got != 10 {
		t.Errorf("disk with escaped path = %v", got)
	}
	for _, s := range first {
		if strings.HasPrefix(s.Metric, "host_cpu") || strings.HasSuffix(s.Metric, "_per_second") {
			t.Fatalf("first reading has a rate: %s", s.Metric)
		}
		if s.Metric == "host_disk_utilization" && strings.Contains(labelsOf(s), "docker") {
			t.Fatalf("same device counted twice or overlay statted: %v", s.Labels)
		}
	}
	l := first[0].Labels
	if len(l) != 4 || l[0].Name != "host" || l[1].Name != "instance_id" || l[3] != (ingest.Label{Name: "stack", Value: "shop"}) {
		t.Errorf("labels = %+v", l)
	}

	// Ten seconds later: 1000 ticks passed, 900 busy of which 100 steal.
	now = now.Add(10 * time.Second)
	fsys["stat"] = &fstest.MapFile{Data: []byte("cpu  194892 0 32533 53432 608 0 421 4925 0 0\ncpu0 1 2 3 4 5 6 7 8\n")}
	fsys["diskstats"] = &fstest.MapFile{Data: []byte(strings.NewReplacer(" sda 1000 0 2000 ", " sda 1000 0 22480 ").Replace(string(fsys["diskstats"].Data)))}
	fsys["net/dev"] = &fstest.MapFile{Data: []byte(strings.Replace(string(fsys["net/dev"].Data), "eth0: 343443956", "eth0: 343453956", 1))}
	second, err := a.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if got := value(t, second, "host_cpu_utilization"); math.Abs(got-90) > 1e-9 {
		t.Errorf("cpu = %v, want 90", got)
	}
	if got := value(t, second, "host_cpu_steal"); math.Abs(got-10) > 1e-9 {
		t.Errorf("steal = %v, want 10", got)
	}
	if got := value(t, second, "host_disk_io_bytes_per_second", "direction", "read"); got != 20480*512/10 {
		t.Errorf("disk read = %v, want %v", got, 20480*512/10)
	}
	if got := value(t, second, "host_network_bytes_per_second", "direction", "receive"); got != 1000 {
		t.Errorf("net receive = %v, want 1000", got)
	}
	if got := value(t, second, "host_network_bytes_per_second", "direction", "transmit"); got != 0 {
		t.Errorf("net transmit = %v, want 0", got)
	}

	// A missing file is reported; the rest still arrives.
	delete(fsys, "loadavg")
	third, err := a.Collect()
	if err == nil || len(third) == 0 {
		t.Fatalf("missing loadavg: %d samples, err %v", len(third), err)
	}
}

func labelsOf(s ingest.Sample) string {
	var b strings.Builder
	for _, l := range s.Labels {
		b.WriteString(l.Name + "=" + l.Value + " ")
	}
	return b.String()
}

func TestDiskstatsSkipsPartitions(t *testing.T) {
	data, _ := os.ReadFile("testdata/proc/diskstats")
	c, err := parseDiskstats(data)
	if err != nil {
		t.Fatal(err)
	}
	if want := uint64((2000 + 1000) * 512); c.in != want {
		t.Fatalf("read bytes = %d, want %d (sda + nvme0n1 only)", c.in, want)
	}
}

func TestRealProc(t *testing.T) {
	if _, err := os.Stat("/proc/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	var got []ingest.Sample
	a, err := New(Options{Sink: ingest.SinkFunc(func(_ context.Context, b []ingest.Sample) error { got = append(got, b...); return nil }), Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Millisecond)
	defer cancel()
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	cpu := value(t, got, "host_cpu_utilization")
	if cpu < 0 || cpu > 100 {
		t.Fatalf("cpu = %v", cpu)
	}
	value(t, got, "host_memory_utilization")
	value(t, got, "host_disk_utilization", "mount", "/")
}

func FuzzParsers(f *testing.F) {
	for _, name := range []string{"stat", "loadavg", "meminfo", "self/mounts", "diskstats", "net/dev"} {
		data, err := os.ReadFile("testdata/proc/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("cpu 1 2\nMemTotal: x kB\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if c, err := parseStat(data); err == nil && c.total() < c.idle {
			t.Fatal("total below idle")
		}
		if l, err := parseLoadavg(data); err == nil && (l[0] < 0 || math.IsNaN(l[0])) {
			t.Fatalf("load %v", l)
		}
		if m, err := parseMeminfo(data); err == nil && (m.available > m.total || m.swapFree > m.swapTotal || m.total == 0) {
			t.Fatalf("meminfo %+v", m)
		}
		_, _ = parseMounts(data)
		_, _ = parseDiskstats(data)
		_, _ = parseNetDev(data)
		_ = unescapeMount(string(data))
	})
}
