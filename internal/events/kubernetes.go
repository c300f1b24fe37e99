package events

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/tendhq/tend/internal/store"
)

// k8sEvent reads both core/v1 Events and events.k8s.io/v1 Events (the
// shapes `kubectl get events -o json` and event exporters emit).
type k8sEvent struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Metadata   struct {
		UID       string `json:"uid"`
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	// core/v1
	InvolvedObject k8sObject `json:"involvedObject"`
	Message        string    `json:"message"`
	Source         struct {
		Component string `json:"component"`
		Host      string `json:"host"`
	} `json:"source"`
	FirstTimestamp string `json:"firstTimestamp"`
	LastTimestamp  string `json:"lastTimestamp"`
	// events.k8s.io/v1
	Regarding               k8sObject `json:"regarding"`
	Note                    string    `json:"note"`
	ReportingController     string    `json:"reportingController"`
	DeprecatedLastTimestamp string    `json:"deprecatedLastTimestamp"`
	// both
	Reason    string `json:"reason"`
	Type      string `json:"type"`
	EventTime string `json:"eventTime"`
	Items     []k8sEvent
}

type k8sObject struct {
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	UID       string `json:"uid"`
}

// k8sReasons are the event reasons that are changes (everything else —
// probes failing, images pulled, pods scheduled — is noise for this).
var k8sReasons = map[string]string{
	"ScalingReplicaSet": store.EventDeployment, "SuccessfulCreate": store.EventInfrastructure, "SuccessfulDelete": store.EventInfrastructure,
	"RolloutStarted": store.EventDeployment, "RolloutCompleted": store.EventDeployment, "DeploymentRollback": store.EventDeployment,
	"SuccessfulRescale": store.EventConfigChange, "Killing": store.EventInfrastructure, "NodeReady": store.EventInfrastructure,
	"NodeNotReady": store.EventInfrastructure, "RegisteredNode": store.EventInfrastructure, "RemovingNode": store.EventInfrastructure,
	"Rebooted": store.EventInfrastructure, "ConfigChanged": store.EventConfigChange, "Updated": store.EventConfigChange,
}

// ParseKubernetes reads one Kubernetes Event, an EventList ({"kind":
// "EventList", "items": [...]}) or an array of Events. Only events whose
// reason is a change (ScalingReplicaSet, SuccessfulRescale, NodeNotReady
// …; the table above) are kept; the result may be empty.
func ParseKubernetes(body []byte, scope Scope, now time.Time) ([]store.Event, error) {
	body = bytes.TrimSpace(body)
	var list []k8sEvent
	prefix := "items"
	if len(body) > 0 && body[0] == '[' {
		if err := looseJSON(body, &list); err != nil {
			return nil, err
		}
		prefix = ""
	} else {
		var one k8sEvent
		if err := looseJSON(body, &one); err != nil {
			return nil, err
		}
		if strings.HasSuffix(one.Kind, "List") {
			list = one.Items
		} else {
			list, prefix = []k8sEvent{one}, "-"
		}
	}
	if len(list) > MaxPerRequest {
		return nil, fieldErr("", "at most %d events per request (got %d)", MaxPerRequest, len(list))
	}
	out := []store.Event{}
	for i, e := range list {
		f := fmt.Sprintf("%s[%d]", prefix, i)
		if prefix == "-" {
			f = ""
		}
		at := func(name string) string {
			if f == "" {
				return name
			}
			return f + "." + name
		}
		if e.Kind != "" && e.Kind != "Event" {
			return nil, fieldErr(at("kind"), "%q is not Event", e.Kind)
		}
		obj, msg, ctrl := e.InvolvedObject, e.Message, e.Source.Component
		if obj.Kind == "" && obj.Name == "" {
			obj, msg, ctrl = e.Regarding, e.Note, e.ReportingController
		}
		if e.Reason == "" {
			return nil, fieldErr(at("reason"), "is required")
		}
		if obj.Name == "" {
			return nil, fieldErr(at("involvedObject.name"), "is required (or regarding.name)")
		}
		class, change := k8sReasons[e.Reason]
		if !change {
			continue
		}
		ts := firstNonEmpty(e.EventTime, e.LastTimestamp, e.DeprecatedLastTimestamp, e.FirstTimestamp)
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, fieldErr(at("lastTimestamp"), "%q is not a time such as 2026-11-21T15:04:05Z (eventTime, lastTimestamp or firstTimestamp is required)", ts)
		}
		ns := firstNonEmpty(obj.Namespace, e.Metadata.Namespace)
		name := e.Reason
		if msg != "" {
			name = e.Reason + ": " + truncate(msg, maxName-len(e.Reason)-2)
		}
		ev := store.Event{Key: firstNonEmpty(e.Metadata.UID, e.Metadata.Namespace+"/"+e.Metadata.Name+"@"+ts), Time: t, Source: "kubernetes",
			EventSource: "kubernetes/" + ctrl, Class: class, Name: name,
			Resources: []store.EventResource{k8sResource(obj, ns)},
			Details:   map[string]string{"reason": e.Reason, "kind": obj.Kind}}
		if ns != "" && scope.Namespace == "" {
			// tend's namespace boundaries are cluster/namespace; a
			// cluster given in the scope completes it.
			ev.Namespace = ns
		}
		scope.apply(&ev)
		if err := finish(&ev, f, now); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

// k8sResource names the object as tend's series mapping does (pod/ns/name).
func k8sResource(o k8sObject, ns string) store.EventResource {
	typ := strings.ToLower(o.Kind)
	id := typ + "/" + o.Name
	if ns != "" {
		id = typ + "/" + ns + "/" + o.Name
	}
	return store.EventResource{Type: typ, ID: id, Name: o.Name}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
