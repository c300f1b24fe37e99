package events

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// ErrSignature is returned (wrapped) when a GitHub delivery's signature
// does not match the secret: the request is not from GitHub.
var ErrSignature = errors.New("the X-Hub-Signature-256 header does not match the webhook secret")

// VerifyGitHub checks X-Hub-Signature-256 ("sha256=" and the hex HMAC-SHA256
// of the body under the webhook's secret) in constant time.
func VerifyGitHub(secret, signature string, body []byte) error {
	if secret == "" {
		return errors.New("no GitHub webhook secret is configured (events.github_secret): tend does not accept unsigned deliveries")
	}
	hexSig, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return ErrSignature
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return ErrSignature
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return ErrSignature
	}
	return nil
}

type ghDeployment struct {
	ID          int64  `json:"id"`
	SHA         string `json:"sha"`
	Ref         string `json:"ref"`
	Task        string `json:"task"`
	Environment string `json:"environment"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	Creator     struct {
		Login string `json:"login"`
	} `json:"creator"`
}

type ghPayload struct {
	Action     string        `json:"action"`
	Deployment *ghDeployment `json:"deployment"`
	Status     *struct {
		ID             int64  `json:"id"`
		State          string `json:"state"`
		Description    string `json:"description"`
		Environment    string `json:"environment"`
		TargetURL      string `json:"target_url"`
		EnvironmentURL string `json:"environment_url"`
		CreatedAt      string `json:"created_at"`
		Creator        struct {
			Login string `json:"login"`
		} `json:"creator"`
	} `json:"deployment_status"`
	Repository struct {
		FullName string `json:"full_name"`
		HTMLURL  string `json:"html_url"`
	} `json:"repository"`
	Sender struct {
		Login string `json:"login"`
	} `json:"sender"`
}

// ParseGitHub reads a deployment or deployment_status delivery (kind is
// the X-GitHub-Event header; delivery the X-GitHub-Delivery id). Other
// kinds — ping among them — give no event and no error.
func ParseGitHub(kind, delivery string, body []byte, scope Scope, now time.Time) ([]store.Event, error) {
	if kind != "deployment" && kind != "deployment_status" {
		return []store.Event{}, nil
	}
	var p ghPayload
	if err := looseJSON(body, &p); err != nil {
		return nil, err
	}
	if p.Deployment == nil {
		return nil, fieldErr("deployment", "is required in a %s delivery", kind)
	}
	d := p.Deployment
	if p.Repository.FullName == "" {
		return nil, fieldErr("repository.full_name", "is required")
	}
	ev := store.Event{Source: "github", EventSource: "github.com/" + p.Repository.FullName, Actor: firstNonEmpty(d.Creator.Login, p.Sender.Login),
		Resources: []store.EventResource{{Type: "repository", ID: "github.com/" + p.Repository.FullName, Name: p.Repository.FullName}},
		Details:   map[string]string{"environment": d.Environment, "ref": d.Ref, "sha": d.SHA, "task": d.Task}}
	if d.Environment != "" {
		ev.Resources = append(ev.Resources, store.EventResource{Type: "environment", ID: p.Repository.FullName + "/" + d.Environment, Name: d.Environment})
	}
	if p.Repository.HTMLURL != "" {
		ev.Links = append(ev.Links, store.Link{Title: "repository", URL: p.Repository.HTMLURL})
	}
	ts := d.CreatedAt
	switch kind {
	case "deployment":
		ev.Name = "deployment"
		ev.Key = "deployment/" + strconv.FormatInt(d.ID, 10)
		if d.Description != "" {
			ev.Details["description"] = truncate(d.Description, maxText)
		}
	case "deployment_status":
		s := p.Status
		if s == nil {
			return nil, fieldErr("deployment_status", "is required in a deployment_status delivery")
		}
		if s.State == "" {
			return nil, fieldErr("deployment_status.state", "is required")
		}
		ev.Name = "deployment_status " + s.State
		ev.Key = "deployment_status/" + strconv.FormatInt(s.ID, 10)
		ev.Details["state"] = s.State
		ts = firstNonEmpty(s.CreatedAt, ts)
		ev.Actor = firstNonEmpty(s.Creator.Login, ev.Actor)
		for _, u := range []struct{ title, url string }{{"deployment log", s.TargetURL}, {"environment", s.EnvironmentURL}} {
			if strings.HasPrefix(u.url, "http://") || strings.HasPrefix(u.url, "https://") {
				ev.Links = append(ev.Links, store.Link{Title: u.title, URL: u.url})
			}
		}
	}
	if delivery != "" && (d.ID == 0) {
		ev.Key = "delivery/" + delivery
	}
	ev.Class = store.EventDeployment
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return nil, fieldErr("deployment.created_at", "%q is not a time such as 2026-11-21T15:04:05Z", ts)
	}
	ev.Time = t
	scope.apply(&ev)
	if err := finish(&ev, "", now); err != nil {
		return nil, err
	}
	return []store.Event{ev}, nil
}
