package devopsguru

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/tendhq/tend/internal/notify"
	"github.com/tendhq/tend/internal/store"
)

// Notification channels map onto tend's channels of type sns: the model's
// NotificationChannelConfig has only an SNS topic, so tend's other channels
// are not listed. A channel added here is named "devops-guru-<Id>"; the Id
// of any other SNS channel is derived from its name.

const channelPrefix = "devops-guru-"

// ChannelConfig is NotificationChannelConfig.
type ChannelConfig struct {
	Sns *struct {
		TopicArn string `json:"TopicArn,omitempty"`
	} `json:"Sns"`
	Filters *ChannelFilters `json:"Filters,omitempty"`
}

// ChannelFilters is NotificationFilterConfig.
type ChannelFilters struct {
	Severities   []string `json:"Severities,omitempty"`
	MessageTypes []string `json:"MessageTypes,omitempty"`
}

// NotificationChannel is the model's NotificationChannel.
type NotificationChannel struct {
	Id     string        `json:"Id"`
	Config ChannelConfig `json:"Config"`
}

var topicPattern = regexp.MustCompile(`^arn:aws[a-z0-9-]*:sns:[a-z0-9-]+:\d{12}:[^:]+$`)

var messageTypes = []string{"NEW_INSIGHT", "CLOSED_INSIGHT", "NEW_ASSOCIATION", "SEVERITY_UPGRADED", "NEW_RECOMMENDATION"}

// channelID is the Id of a tend channel.
func channelID(name string) string {
	if id, ok := strings.CutPrefix(name, channelPrefix); ok && uuidPattern.MatchString(id) {
		return id
	}
	sum := sha256.Sum256([]byte("tend channel\x00" + name))
	var b [16]byte
	copy(b[:], sum[:16])
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func (h *Handler) snsChannels(ctx context.Context) ([]store.Channel, []notify.Spec, *Error) {
	list, err := h.o.Store.Channels().List(ctx)
	if err != nil {
		h.log.ErrorContext(ctx, "list channels", "err", err)
		return nil, nil, internal()
	}
	var recs []store.Channel
	var specs []notify.Spec
	for _, c := range list {
		if c.Type != notify.TypeSNS {
			continue
		}
		var s notify.Spec
		if err := json.Unmarshal(c.Spec, &s); err != nil {
			continue
		}
		recs, specs = append(recs, c), append(specs, s)
	}
	return recs, specs, nil
}

func toChannel(c store.Channel, s notify.Spec) NotificationChannel {
	out := NotificationChannel{Id: channelID(c.Name)}
	out.Config.Sns = &struct {
		TopicArn string `json:"TopicArn,omitempty"`
	}{TopicArn: s.TopicARN}
	var f ChannelFilters
	for _, v := range s.Filter.Severities {
		f.Severities = append(f.Severities, strings.ToUpper(v))
	}
	for _, v := range s.Filter.MessageTypes {
		if slices.Contains(messageTypes, strings.ToUpper(v)) {
			f.MessageTypes = append(f.MessageTypes, strings.ToUpper(v))
		}
	}
	if len(f.Severities) > 0 || len(f.MessageTypes) > 0 {
		out.Config.Filters = &f
	}
	return out
}

func (h *Handler) listChannels(ctx context.Context, c *call) (any, *Error) {
	var req struct {
		NextToken string `json:"NextToken"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	recs, specs, e := h.snsChannels(ctx)
	if e != nil {
		return nil, e
	}
	out := make([]NotificationChannel, len(recs))
	for i := range recs {
		out[i] = toChannel(recs[i], specs[i])
	}
	page, next, e := offsetPage(out, 100, "channels", req.NextToken)
	if e != nil {
		return nil, e
	}
	return withToken(map[string]any{"Channels": page}, next), nil
}

// withToken adds NextToken to a response unless it is the last page.
func withToken(m map[string]any, next string) map[string]any {
	if next != "" {
		m["NextToken"] = next
	}
	return m
}

func (h *Handler) addChannel(ctx context.Context, c *call) (any, *Error) {
	var req struct {
		Config *ChannelConfig `json:"Config"`
	}
	if e := c.decode(&req); e != nil {
		return nil, e
	}
	if req.Config == nil {
		return nil, invalid("Config", "Member must not be null")
	}
	if req.Config.Sns == nil {
		return nil, invalid("Config.Sns", "Member must not be null")
	}
	arn := req.Config.Sns.TopicArn
	if len(arn) < 36 || len(arn) > 1024 || !topicPattern.MatchString(arn) {
		return nil, invalid("Config.Sns.TopicArn", "Member must have length between 36 and 1024 and satisfy regular expression pattern: ^arn:aws[a-z0-9-]*:sns:[a-z0-9-]+:\\d{12}:[^:]+$")
	}
	spec := notify.Spec{Type: notify.TypeSNS, TopicARN: arn, Region: strings.Split(arn, ":")[3]}
	if f := req.Config.Filters; f != nil {
		if len(f.Severities) > 3 {
			return nil, invalid("Config.Filters.Severities", "Member must have length less than or equal to 3")
		}
		for _, s := range f.Severities {
			if s != store.SeverityLow && s != store.SeverityMedium && s != store.SeverityHigh {
				return nil, invalid("Config.Filters.Severities", "Member must satisfy enum value set: [LOW, MEDIUM, HIGH]")
			}
			spec.Filter.Severities = append(spec.Filter.Severities, strings.ToLower(s))
		}
		if len(f.MessageTypes) > 5 {
			return nil, invalid("Config.Filters.MessageTypes", "Member must have length less than or equal to 5")
		}
		for _, t := range f.MessageTypes {
			if !slices.Contains(messageTypes, t) {
				return nil, invalid("Config.Filters.MessageTypes", "Member must satisfy enum value set: [%s]", strings.Join(messageTypes, ", "))
			}
			spec.Filter.MessageTypes = append(spec.Filter.MessageTypes, t)
		}
	}
	recs, specs, e := h.snsChannels(ctx)
	if e != nil {
		return nil, e
	}
	for i, s := range specs {
		if s.TopicARN == arn {
			return nil, conflict("NotificationChannel", channelID(recs[i].Name), "A notification channel for %s already exists (tend channel %q)", arn, recs[i].Name)
		}
	}
	id := newUUID()
	spec.Name = channelPrefix + id
	if errs := spec.Validate(); len(errs) > 0 {
		return nil, invalid("Config", "%s: %s", errs[0].Field, errs[0].Reason)
	}
	rec, err := spec.Record(store.ChannelFromAPI, h.now())
	if err == nil {
		err = h.o.Store.Channels().Put(ctx, rec)
	}
	if err != nil {
		h.log.ErrorContext(ctx, "add channel", "err", err)
		return nil, internal()
	}
	if h.o.ChannelsChanged != nil {
		h.o.ChannelsChanged()
	}
	return map[string]string{"Id": id}, nil
}

func (h *Handler) removeChannel(ctx context.Context, c *call) (any, *Error) {
	id := c.params["Id"]
	if !uuidPattern.MatchString(id) {
		return nil, invalid("Id", "Member must have length 36 and satisfy regular expression pattern: ^[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
	}
	recs, _, e := h.snsChannels(ctx)
	if e != nil {
		return nil, e
	}
	for _, rec := range recs {
		if channelID(rec.Name) != id {
			continue
		}
		if rec.Source == store.ChannelFromConfig {
			return nil, conflict("NotificationChannel", id, "channel %q is defined in tend's configuration file (notify.channels): remove it there", rec.Name)
		}
		err := h.o.Store.Channels().Delete(ctx, rec.Name)
		if errors.Is(err, store.ErrNotFound) {
			break
		}
		if err != nil {
			h.log.ErrorContext(ctx, "remove channel", "err", err)
			return nil, internal()
		}
		if h.o.ChannelsChanged != nil {
			h.o.ChannelsChanged()
		}
		return struct{}{}, nil
	}
	return nil, notFound("NotificationChannel", id, "Notification channel %s not found", id)
}
