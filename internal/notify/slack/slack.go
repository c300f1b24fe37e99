// Package slack posts notifications to a Slack incoming webhook as Block
// Kit messages: severity, title, boundary, a link, the top anomalies; a
// run waiting for approval carries the approve and cancel commands and a
// link to the run. A batch of several messages is one Slack message; a
// rate-limit summary says how much was held back and lists it.
package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/notify/message"
)

// Slack posts to one incoming-webhook URL (a secret: never logged).
type Slack struct {
	url    string
	client *http.Client
	now    func() time.Time
}

var _ notify.Notifier = (*Slack)(nil)

// New returns the Slack channel of a spec (secrets resolved).
func New(s notify.Spec, client *http.Client) *Slack {
	if client == nil {
		client = http.DefaultClient
	}
	return &Slack{url: s.URL, client: client, now: time.Now}
}

// Payload is an incoming-webhook message.
type Payload struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit block (header, section, context, actions, divider).
type Block struct {
	Type     string    `json:"type"`
	Text     *Text     `json:"text,omitempty"`
	Fields   []Text    `json:"fields,omitempty"`
	Elements []Element `json:"elements,omitempty"`
}

// Text is a plain_text or mrkdwn text object.
type Text struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// Element is a context element (text) or an actions element (a link
// button).
type Element struct {
	Type  string `json:"type"`
	Text  any    `json:"text,omitempty"`
	URL   string `json:"url,omitempty"`
	Style string `json:"style,omitempty"`
}

// maxMessages bounds the messages shown in one Slack message (Slack allows
// 50 blocks).
const maxMessages = 8

// Render builds the Block Kit payload of a batch.
func Render(b notify.Batch) Payload {
	var p Payload
	msgs := b.Messages
	if b.Summary {
		p.Text = fmt.Sprintf("tend: %d notifications about %d insights or runs were held back by the rate limit of channel %s", len(msgs), b.Subjects(), b.Channel)
		p.Blocks = append(p.Blocks, Block{Type: "header", Text: &Text{Type: "plain_text", Text: truncate(fmt.Sprintf("%d notifications held back", len(msgs)), 150), Emoji: true}},
			Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: fmt.Sprintf("The rate limit of channel *%s* held back %d notifications about %d insights or runs. The latest of each:", esc(b.Channel), len(msgs), b.Subjects())}})
		msgs = b.Latest()
	} else {
		p.Text = "tend: " + msgs[len(msgs)-1].Title()
	}
	for i, m := range msgs {
		if i == maxMessages {
			p.Blocks = append(p.Blocks, Block{Type: "context", Elements: []Element{{Type: "mrkdwn", Text: fmt.Sprintf("… and %d more", len(msgs)-maxMessages)}}})
			break
		}
		if i > 0 {
			p.Blocks = append(p.Blocks, Block{Type: "divider"})
		}
		p.Blocks = append(p.Blocks, render(m)...)
	}
	return p
}

func render(m message.Message) []Block {
	var out []Block
	icon := map[string]string{"high": ":red_circle:", "medium": ":large_orange_circle:", "low": ":large_yellow_circle:"}[m.InsightSeverity]
	if m.MessageType == message.ClosedInsight || m.MessageType == message.RunActed {
		icon = ":white_check_mark:"
	}
	title := strings.TrimSpace(icon + " " + m.Title())
	out = append(out, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: "*" + esc(truncate(title, 2900)) + "*"}})
	var fields []Text
	field := func(name, v string) {
		if v != "" {
			fields = append(fields, Text{Type: "mrkdwn", Text: "*" + name + "*\n" + esc(truncate(v, 1900))})
		}
	}
	field("Severity", strings.ToUpper(m.InsightSeverity))
	field("Problem", m.ProblemType)
	if m.Boundary != nil {
		field(cases(m.Boundary.Kind), m.Boundary.Name)
	}
	field("Message", m.MessageType)
	if r := m.Run; r != nil {
		field("Policy", r.Policy)
		field("Change", r.Change)
		if r.Version != "" {
			field("Version", r.PreviousVersion+" → "+r.Version)
		}
	}
	if len(fields) > 10 {
		fields = fields[:10]
	}
	if len(fields) > 0 {
		out = append(out, Block{Type: "section", Fields: fields})
	}
	if len(m.Anomalies) > 0 {
		var lines []string
		for i, a := range m.Anomalies {
			if i == 3 {
				lines = append(lines, fmt.Sprintf("… and %d more", len(m.Anomalies)-3))
				break
			}
			name := ""
			if len(a.SourceDetails) > 0 {
				name = a.SourceDetails[0].DataIdentifiers.Name
			}
			line := "• `" + esc(name) + "`"
			if a.Resource != "" {
				line += " on " + esc(a.Resource)
			}
			if a.Reason != "" {
				line += ": " + esc(a.Reason)
			}
			lines = append(lines, line)
		}
		out = append(out, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: truncate(strings.Join(lines, "\n"), 2900)}})
	}
	if len(m.Events) > 0 {
		var lines []string
		for i, e := range m.Events {
			if i == 3 {
				lines = append(lines, fmt.Sprintf("… and %d more", len(m.Events)-3))
				break
			}
			lines = append(lines, "• "+esc(e.EventClass)+" `"+esc(e.Name)+"` at "+time.UnixMilli(e.Time).UTC().Format("2006-01-02 15:04:05Z"))
		}
		out = append(out, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: truncate("Related changes:\n"+strings.Join(lines, "\n"), 2900)}})
	}
	if r := m.Run; r != nil && m.MessageType == message.RunAwaitingApproval {
		out = append(out, Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: "Approve: `" + esc(r.ApproveCommand) + "`\nCancel: `" + esc(r.CancelCommand) + "`"}})
	}
	var buttons []Element
	link := func(text, url, style string) {
		if url != "" {
			buttons = append(buttons, Element{Type: "button", Text: Text{Type: "plain_text", Text: text}, URL: url, Style: style})
		}
	}
	if m.Run != nil {
		link("Open the run", m.Run.RunUrl, "primary")
		link("Diff", m.Run.DiffUrl, "")
	}
	link("Open the insight", m.InsightUrl, "")
	if len(buttons) > 0 {
		out = append(out, Block{Type: "actions", Elements: buttons})
	}
	return out
}

func cases(s string) string {
	if s == "" {
		return "Boundary"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// esc escapes Slack's mrkdwn control characters.
func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Notify posts the batch.
func (s *Slack) Notify(ctx context.Context, b notify.Batch) error {
	body, err := json.Marshal(Render(b))
	if err != nil {
		return notify.Permanent(fmt.Errorf("encode slack message: %w", err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return notify.Permanent(fmt.Errorf("slack request: invalid webhook URL"))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return notify.TransportError("post to slack", err)
	}
	defer resp.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return notify.HTTPError("post to slack", resp, excerpt, s.now())
	}
	return nil
}
