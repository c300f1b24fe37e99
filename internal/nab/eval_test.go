package nab

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/tendhq/tend/internal/detect"
)

func evalFactory(t *testing.T, c *Corpus, name string, f Factory) {
	s, err := c.Run(context.Background(), f, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	line := name + ":"
	for _, p := range c.Profiles {
		ps, err := c.Optimize(s, p)
		if err != nil {
			t.Fatal(err)
		}
		line += fmt.Sprintf(" %s %.2f (t=%.4f det=%d fp=%d)", short(p.Name), ps.Score, ps.Threshold, ps.Detected, ps.FP)
	}
	for _, p := range c.Profiles {
		ps, _ := c.ScoreAt(s, p, detect.DefaultThreshold)
		line += fmt.Sprintf(" fixed %.2f", ps.Score)
	}
	t.Log(line)
}

func TestEvalExperiment(t *testing.T) {
	if os.Getenv("TEND_EVAL") == "" {
		t.Skip("set TEND_EVAL=1")
	}
	c := testCorpus(t)
	evalFactory(t, c, "default", Named(detect.DefaultName))
}

func short(p string) string {
	switch p {
	case "reward_low_FP_rate":
		return "lowFP"
	case "reward_low_FN_rate":
		return "lowFN"
	}
	return "std"
}
