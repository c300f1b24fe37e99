package nab

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/detect"
)

// evalCorpora are the corpora detection is judged on: NAB, ../shared/kpi,
// and both aggregated to hourly points (the same incidents at another
// sampling interval, and short series).
type namedCorpus struct {
	name string
	*Corpus
}

func evalCorpora(t *testing.T) []namedCorpus {
	t.Helper()
	out := []namedCorpus{{"nab", testCorpus(t)}}
	if kpi := kpiCorpus(t); kpi != nil {
		out = append(out, namedCorpus{"kpi", kpi})
	}
	for _, c := range out[:len(out):len(out)] {
		runs, err := c.LoadRuns()
		if err != nil {
			t.Fatal(err)
		}
		// NAB's 5-minute incidents hourly; the AIOps KPIs' minute blips
		// survive 15-minute means, not hourly ones
		steps := []time.Duration{time.Hour, 2 * time.Hour}
		if c.name == "kpi" {
			steps = []time.Duration{15 * time.Minute}
		}
		if c.name == "kpi" {
			sp, _ := c.Split(2000, runs)
			out = append(out, namedCorpus{"kpi-2k", sp})
		}
		for _, step := range steps {
			h, _ := c.Resample(step, runs, "")
			out = append(out, namedCorpus{c.name + "-" + strings.TrimSuffix(strings.TrimSuffix(step.String(), "0s"), "0m"), h})
		}
	}
	return out
}

// TestEval prints the default detector's scores on every corpus of
// evalCorpora, with the configuration changes in $TEND_EVAL_CFG (JSON of
// detect.Config fields) applied. It is the loop parameters are chosen with;
// it runs only when TEND_EVAL is set.
func TestEval(t *testing.T) {
	if os.Getenv("TEND_EVAL") == "" {
		t.Skip("set TEND_EVAL=1 (and TEND_EVAL_CFG) to evaluate the detector on every corpus")
	}
	cfg := detect.DefaultConfig()
	if s := os.Getenv("TEND_EVAL_CFG"); s != "" {
		if err := json.Unmarshal([]byte(s), &cfg); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := detect.NewEnsemble(cfg); err != nil {
		t.Fatal(err)
	}
	factory := func() (detect.Detector, error) { return detect.NewEnsemble(cfg) }
	if os.Getenv("TEND_EVAL_DET") == "random" {
		var seed atomic.Uint64
		factory = func() (detect.Detector, error) { return &randomDet{rand.New(rand.NewPCG(seed.Add(1), 9))}, nil }
	}
	var b strings.Builder
	for _, c := range evalCorpora(t) {
		s, err := c.Run(t.Context(), factory, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out := os.Getenv("TEND_EVAL_OUT"); out != "" {
			if err := c.WriteResults(filepath.Join(out, c.name), s); err != nil {
				t.Fatal(err)
			}
		}
		fmt.Fprintf(&b, "\n%-8s", c.name)
		for _, p := range c.Profiles {
			ps, err := c.Optimize(s, p)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, " %6.2f", ps.Score)
			if p.Name == "standard" {
				fmt.Fprintf(&b, " (%d/%d, %4d FP)", ps.Detected, ps.Windows, ps.FP)
			}
		}
	}
	t.Log(b.String())
}

// randomDet scores every point uniformly at random: what NAB's sweep alone
// makes of noise.
type randomDet struct{ r *rand.Rand }

func (d *randomDet) Observe(time.Time, float64) detect.Result {
	return detect.Result{Score: d.r.Float64()}
}
func (d *randomDet) MarshalBinary() ([]byte, error) { return nil, nil }
func (d *randomDet) UnmarshalBinary([]byte) error   { return nil }

// TestEvalMany scores every configuration in $TEND_EVAL_CFGS (one JSON
// detect.Config patch a line) on every evaluation corpus, loading the
// corpora once, and appends one JSON line per configuration to
// $TEND_EVAL_OUTFILE.
func TestEvalMany(t *testing.T) {
	in, outPath := os.Getenv("TEND_EVAL_CFGS"), os.Getenv("TEND_EVAL_OUTFILE")
	if in == "" || outPath == "" {
		t.Skip("set TEND_EVAL_CFGS and TEND_EVAL_OUTFILE")
	}
	raw, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	corpora := evalCorpora(t)
	out, err := os.OpenFile(outPath, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		cfg := detect.DefaultConfig()
		if err := json.Unmarshal([]byte(line), &cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := detect.NewEnsemble(cfg); err != nil {
			t.Fatal(err)
		}
		res := map[string][]float64{}
		for _, c := range corpora {
			s, err := c.Run(t.Context(), func() (detect.Detector, error) { return detect.NewEnsemble(cfg) }, 0, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range c.Profiles {
				ps, err := c.Optimize(s, p)
				if err != nil {
					t.Fatal(err)
				}
				res[c.name] = append(res[c.name], math.Round(ps.Score*100)/100)
			}
		}
		b, _ := json.Marshal(map[string]any{"cfg": json.RawMessage(line), "res": res})
		out.Write(append(b, '\n'))
	}
}
