package config

import (
	"strings"
	"testing"
)

func TestInsightValidation(t *testing.T) {
	env := map[string]string{
		"TEND_INSIGHT_THRESHOLD":           "1.5",
		"TEND_INSIGHT_CLOSE_AFTER_SAMPLES": "0",
		"TEND_INSIGHT_COOLDOWN":            "0s",
		"TEND_INSIGHT_EXCERPT_MAX":         "1",
	}
	_, err := Load(Sources{Env: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	if err == nil {
		t.Fatal("Load accepted invalid insight settings")
	}
	for _, want := range []string{
		"environment variable TEND_INSIGHT_THRESHOLD: insight.threshold: must be a score above 0 and at most 1 (got 1.5)",
		"insight.close_after_samples: must be from 1 to 10000 (got 0)",
		"insight.cooldown: must be a duration of at least 1s",
		"insight.excerpt_max: must be from 2 to 10000 (got 1)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	ok := map[string]string{"TEND_INSIGHT_THRESHOLD": "0.8", "TEND_INSIGHT_COOLDOWN": "2m"}
	cfg, err := Load(Sources{Env: func(k string) (string, bool) { v, ok := ok[k]; return v, ok }})
	if err != nil || cfg.Insight.Threshold != 0.8 || cfg.Insight.Cooldown.String() != "2m0s" || cfg.Insight.CloseAfterSamples != 5 {
		t.Fatalf("Load = %+v, %v", cfg, err)
	}
}
