package config

import (
	"strings"
	"testing"
	"time"
)

func TestNotifyChannels(t *testing.T) {
	cfg, err := Load(Sources{File: "testdata/notify.yaml", Env: noEnv})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	n := cfg.Notify
	if n.MaxAttempts != 10 || len(n.Channels) != 2 {
		t.Fatalf("notify = %+v", n)
	}
	w, pd := n.Channels[0], n.Channels[1]
	if w.Name != "ops-webhook" || w.SecretFile != "/run/secrets/tend-webhook" || w.GroupWaitOr() != 5*time.Second ||
		len(w.Filter.Severities) != 2 || w.Filter.Boundaries[0] != "stack:shop" {
		t.Errorf("webhook channel = %+v", w)
	}
	if pd.RateLimit != 20 || pd.RateWindowOr() != time.Minute || pd.RoutingKeyFile != "/run/secrets/pagerduty" {
		t.Errorf("pagerduty channel = %+v", pd)
	}
}

// TestNotifyErrors: a bad channel is reported with the line of its entry.
func TestNotifyErrors(t *testing.T) {
	_, err := Load(Sources{File: "testdata/notify_invalid.yaml", Env: noEnv})
	if err == nil {
		t.Fatal("Load accepted an invalid channel")
	}
	for _, want := range []string{
		`testdata/notify_invalid.yaml:8: notify.channels[1].url: must be an http:// or https:// URL`,
		`testdata/notify_invalid.yaml:6: notify.channels[1].name: "ops" is also the name of notify.channels[0]`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	_, err = Load(Sources{File: "testdata/notify.yaml", Env: envOf(map[string]string{"TEND_NOTIFY_CHANNELS": `[{"name":"x","type":"slack","url":"https://hooks.slack.com/services/T/B/X"}]`})})
	if err != nil {
		t.Fatalf("channels from the environment: %v", err)
	}
	_, err = Load(Sources{Env: envOf(map[string]string{"TEND_NOTIFY_CHANNELS": `not json`})})
	if err == nil || !strings.Contains(err.Error(), "TEND_NOTIFY_CHANNELS: must be a JSON list") {
		t.Fatalf("bad JSON in the environment: %v", err)
	}
	_, err = Load(Sources{File: "testdata/unknown_channel_key.yaml", Env: noEnv})
	if err == nil || !strings.Contains(err.Error(), `unknown_channel_key.yaml:5: unknown key "colour"`) {
		t.Fatalf("unknown key in a channel: %v", err)
	}
}
