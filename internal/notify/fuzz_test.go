package notify_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tendhq/tend/internal/notify"
)

// FuzzRetryAfter: a receiver's Retry-After header never panics the parser
// nor yields a negative wait.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "Wed, 21 Oct 2026 07:28:00 GMT", "soon", "", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := notify.RetryAfter(v, now); d < 0 {
			t.Fatalf("RetryAfter(%q) = %s", v, d)
		}
	})
}

// FuzzSpec: any JSON a client posts to /v1/channels decodes and validates
// without panicking, and a spec that validates has a name and a known type.
func FuzzSpec(f *testing.F) {
	for _, s := range []string{
		`{"name":"ops","type":"webhook","url":"https://hooks.example.com/tend","secret":"x","group_wait":"5s"}`,
		`{"name":"mail","type":"email","smtp":"mail:587","from":"tend@example.com","to":["a@example.com"],"filter":{"severities":["high"]}}`,
		`{"name":"sns","type":"sns","topic_arn":"arn:aws:sns:eu-west-1:123456789012:t","rate_limit":5,"rate_window":"1m"}`,
		`{"name":"x","type":"pagerduty","routing_key":"k","timeout":"bad"}`, `[]`, `{"name":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var s notify.Spec
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		if errs := s.Validate(); len(errs) == 0 {
			if s.Name == "" || s.Type == "" {
				t.Fatalf("valid spec without name or type: %+v", s)
			}
			_ = s.Redacted()
		}
	})
}
