package awstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
)

const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

type ec2Instance struct {
	InstanceID    string `xml:"instanceId"`
	ImageID       string `xml:"imageId"`
	InstanceState struct {
		Code int    `xml:"code"`
		Name string `xml:"name"`
	} `xml:"instanceState"`
	InstanceType string   `xml:"instanceType"`
	TagSet       []ec2Tag `xml:"tagSet>item"`
}

type ec2Reservation struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

type describeInstancesResponse struct {
	XMLName      xml.Name         `xml:"DescribeInstancesResponse"`
	Xmlns        string           `xml:"xmlns,attr"`
	RequestID    string           `xml:"requestId"`
	Reservations []ec2Reservation `xml:"reservationSet>item"`
}

var ec2IDRe = regexp.MustCompile(`^i-[0-9a-f]{8,17}$`)

// serveEC2 handles the EC2 query protocol.
func (f *Fake) serveEC2(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeEC2Error(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	action, version := r.PostForm.Get("Action"), r.PostForm.Get("Version")
	if version != "2016-11-15" {
		writeEC2Error(w, http.StatusBadRequest, "InvalidParameterValue", "Version must be 2016-11-15, got "+version)
		return
	}
	if action != "DescribeInstances" {
		writeEC2Error(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", action))
		return
	}
	flt, failing := f.begin(action)
	if failing {
		writeEC2Error(w, flt.status, flt.code, "injected failure")
		return
	}
	var ids []string
	for k, v := range r.PostForm {
		if strings.HasPrefix(k, "InstanceId.") && len(v) > 0 {
			ids = append(ids, v[0])
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !ec2IDRe.MatchString(id) {
			writeEC2Error(w, http.StatusBadRequest, "InvalidInstanceID.Malformed", fmt.Sprintf("Invalid id: %q", id))
			return
		}
	}
	f.mu.Lock()
	var found []Instance
	var missing []string
	if len(ids) == 0 {
		for _, in := range f.instances {
			found = append(found, in)
		}
		sort.Slice(found, func(i, j int) bool { return found[i].ID < found[j].ID })
	}
	for _, id := range ids {
		if in, ok := f.instances[id]; ok {
			found = append(found, in)
		} else {
			missing = append(missing, id)
		}
	}
	f.mu.Unlock()
	if len(missing) > 0 {
		writeEC2Error(w, http.StatusBadRequest, "InvalidInstanceID.NotFound",
			fmt.Sprintf("The instance ID '%s' does not exist", strings.Join(missing, ", ")))
		return
	}
	resp := describeInstancesResponse{Xmlns: ec2Namespace, RequestID: requestID(), Reservations: []ec2Reservation{}}
	for i, in := range found {
		x := ec2Instance{InstanceID: in.ID, ImageID: "ami-0123456789abcdef0", InstanceType: in.Type}
		x.InstanceState.Name = in.State
		x.InstanceState.Code = map[string]int{"pending": 0, "running": 16, "stopping": 64, "stopped": 80}[in.State]
		keys := make([]string, 0, len(in.Tags))
		for k := range in.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			x.TagSet = append(x.TagSet, ec2Tag{Key: k, Value: in.Tags[k]})
		}
		resp.Reservations = append(resp.Reservations, ec2Reservation{
			ReservationID: fmt.Sprintf("r-%017x", i+1), OwnerID: Account, Instances: []ec2Instance{x}})
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(resp)
}

func writeEC2Error(w http.ResponseWriter, status int, code, msg string) {
	type ec2Error struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	body := struct {
		XMLName   xml.Name   `xml:"Response"`
		Errors    []ec2Error `xml:"Errors>Error"`
		RequestID string     `xml:"RequestID"`
	}{Errors: []ec2Error{{code, msg}}, RequestID: requestID()}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(body)
}
