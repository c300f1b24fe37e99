package detect

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// series is noisy daily-ish data with a level shift at shiftAt.
func series(n, shiftAt int) []float64 {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]float64, n)
	for i := range out {
		v := 50 + 10*math.Sin(float64(i)*2*math.Pi/288) + r.NormFloat64()*2
		if i >= shiftAt {
			v += 60
		}
		out[i] = v
	}
	return out
}

func TestRegistry(t *testing.T) {
	d, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := d.(*Ensemble); !ok {
		t.Fatalf("New(\"\") = %T, want the default *Ensemble", d)
	}
	if _, err := New("no-such"); err == nil || !strings.Contains(err.Error(), "unknown detector") {
		t.Fatalf("New(no-such) err = %v", err)
	}
	names := Names()
	if len(names) < 2 || names[0] > names[1] {
		t.Fatalf("Names() = %v, want sorted, at least tend and zscore", names)
	}
}

func TestDetectors(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			d, _ := New(name)
			vals := series(3000, 2000)
			firstAlert := -1
			for i, v := range vals {
				r := d.Observe(t0.Add(time.Duration(i)*5*time.Minute), v)
				if r.Score < 0 || r.Score > 1 || math.IsNaN(r.Score) {
					t.Fatalf("point %d: score %v outside [0,1]", i, r.Score)
				}
				if (r.Score >= DefaultThreshold) != (r.Reason != "") {
					t.Fatalf("point %d: score %v with reason %q; a reason belongs to alerts only", i, r.Score, r.Reason)
				}
				if r.Score >= DefaultThreshold && i >= 2000 && firstAlert < 0 {
					firstAlert = i
				}
			}
			if firstAlert < 2000 || firstAlert > 2005 {
				t.Fatalf("level shift at 2000 first alerted at %d", firstAlert)
			}
			for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
				if r := d.Observe(t0, bad); r != (Result{}) {
					t.Fatalf("Observe(%v) = %+v, want zero Result", bad, r)
				}
			}
		})
	}
}

func TestEnsembleQuietOnNormalData(t *testing.T) {
	d, _ := New(DefaultName)
	alerts := 0
	for i, v := range series(20000, math.MaxInt) {
		if d.Observe(t0, v).Score >= DefaultThreshold {
			alerts++
			_ = i
		}
	}
	if alerts > 10 {
		t.Fatalf("%d alerts on 20000 points of stationary data", alerts)
	}
}

func TestEnsembleReason(t *testing.T) {
	d, _ := New(DefaultName)
	vals := series(3000, math.MaxInt)
	var last Result
	for i, v := range vals {
		d.Observe(t0.Add(time.Duration(i)*time.Minute), v)
	}
	last = d.Observe(t0, 500)
	if last.Score < DefaultThreshold || !strings.Contains(last.Reason, "above") {
		t.Fatalf("spike to 500: %+v, want an alert saying the value is above", last)
	}
}

func TestSnapshotRestore(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			vals := series(4000, 3000)
			a, _ := New(name)
			for i, v := range vals[:1500] {
				a.Observe(t0.Add(time.Duration(i)*time.Minute), v)
			}
			snap, err := a.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if len(snap) > 4096 {
				t.Fatalf("snapshot is %d bytes, want at most 4 KiB", len(snap))
			}
			b, _ := New(name)
			if err := b.UnmarshalBinary(snap); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals[1500:] {
				ts := t0.Add(time.Duration(1500+i) * time.Minute)
				if ra, rb := a.Observe(ts, v), b.Observe(ts, v); ra != rb {
					t.Fatalf("point %d after restore: %+v vs %+v", 1500+i, rb, ra)
				}
			}
		})
	}
}

func TestSnapshotRejectsBadInput(t *testing.T) {
	d, _ := New(DefaultName)
	d.Observe(t0, 1)
	snap, _ := d.MarshalBinary()
	z, _ := New("zscore")
	zsnap, _ := z.MarshalBinary()
	flipped := append([]byte(nil), snap...)
	flipped[len(flipped)/2] ^= 0xff
	for name, data := range map[string][]byte{
		"empty":          nil,
		"truncated":      snap[:len(snap)-1],
		"corrupt":        flipped,
		"other detector": zsnap,
	} {
		fresh, _ := New(DefaultName)
		if err := fresh.UnmarshalBinary(data); !errors.Is(err, ErrSnapshot) {
			t.Errorf("%s: err = %v, want ErrSnapshot", name, err)
		}
	}
}

func TestObserveDoesNotAllocate(t *testing.T) {
	for _, name := range Names() {
		d, _ := New(name)
		vals := series(5000, math.MaxInt)
		for _, v := range vals[:4000] {
			d.Observe(t0, v)
		}
		i := 4000
		allocs := testing.AllocsPerRun(500, func() {
			d.Observe(t0, vals[i%len(vals)])
			i++
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per Observe on ordinary points", name, allocs)
		}
	}
}

func FuzzUnmarshalSnapshot(f *testing.F) {
	d, _ := New(DefaultName)
	for i := 0; i < 300; i++ {
		d.Observe(t0, float64(i%17))
	}
	snap, _ := d.MarshalBinary()
	f.Add(snap)
	f.Add([]byte("tdet"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fresh, _ := New(DefaultName)
		if err := fresh.UnmarshalBinary(data); err != nil {
			return
		}
		for i := 0; i < 50; i++ {
			if r := fresh.Observe(t0, float64(i)); r.Score < 0 || r.Score > 1 || math.IsNaN(r.Score) {
				t.Fatalf("restored detector scored %v", r.Score)
			}
		}
	})
}

func TestDefaultConfigValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"ShapeLen", func(c *Config) { c.ShapeLen = 40 }},
		{"Span", func(c *Config) { c.Span = 0 }},
		{"BaselineRate", func(c *Config) { c.BaselineRate = math.NaN() }},
		{"Novelty[0]", func(c *Config) { c.Novelty[0].Order = 9 }},
		{"LocalRate", func(c *Config) { c.LocalRate = 0 }},
		{"LocalDevRate", func(c *Config) { c.LocalDevRate = 1.5 }},
		{"NoveltyAfter", func(c *Config) { c.NoveltyAfter = -time.Hour }},
		{"Escalate", func(c *Config) { c.Escalate = math.NaN() }},
		{"HistoryPenalty", func(c *Config) { c.HistoryPenalty = 2 }},
		{"SeasonWeek", func(c *Config) { c.SeasonWeek = -0.1 }},
		{"SeasonSmooth", func(c *Config) { c.SeasonSmooth = 0 }},
		{"SeasonClip", func(c *Config) { c.SeasonClip = math.Inf(1) }},
	} {
		c := DefaultConfig()
		tc.mod(&c)
		if _, err := NewEnsemble(c); err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s: err = %v, want it named", tc.name, err)
		}
	}
}

func TestExtremeValues(t *testing.T) {
	for _, name := range Names() {
		d, _ := New(name)
		vals := []float64{0, 1e308, -1e308, 5e-324, -1e308, 1e308, 0, 0, 0}
		for i := 0; i < 3000; i++ {
			v := vals[i%len(vals)]
			if i%7 == 0 {
				v = float64(i)
			}
			if r := d.Observe(t0, v); !(r.Score >= 0 && r.Score <= 1) {
				t.Fatalf("%s: point %d (%v): score %v", name, i, v, r.Score)
			}
		}
	}
}

// FuzzObserve feeds arbitrary values (any bit pattern) to every detector.
func FuzzObserve(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range Names() {
			d, _ := New(name)
			for i := 0; i+8 <= len(data); i += 8 {
				v := math.Float64frombits(binary.LittleEndian.Uint64(data[i:]))
				for k := 0; k < 40; k++ { // repeat so warm-up passes
					if r := d.Observe(t0, v+float64(k%3)); !(r.Score >= 0 && r.Score <= 1) {
						t.Fatalf("%s: Observe(%v) scored %v", name, v, r.Score)
					}
				}
			}
		}
	})
}
