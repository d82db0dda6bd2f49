package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/apache/rocketmq-client-go/v2"
	"github.com/apache/rocketmq-client-go/v2/consumer"
	"github.com/apache/rocketmq-client-go/v2/primitive"
	"github.com/apache/rocketmq-client-go/v2/producer"
)

// Sent is one send's outcome as the producer saw it.
type Sent struct {
	Status      int    `json:"status"`
	StatusName  string `json:"statusName"`
	MsgID       string `json:"msgId"`
	OffsetMsgID string `json:"offsetMsgId"`
	BrokerName  string `json:"brokerName"`
	QueueID     int    `json:"queueId"`
	QueueOffset int64  `json:"queueOffset"`
	Body        string `json:"body"`
	Key         string `json:"key,omitempty"`
	Tag         string `json:"tag,omitempty"`
	DelayLevel  int    `json:"delayLevel,omitempty"`
	// When the send was issued, and when the broker stored it (client clock, ms).
	SentAt int64 `json:"sentAt"`
}

// Received is one delivered message as a consumer saw it.
type Received struct {
	Body           string `json:"body"`
	Tag            string `json:"tag"`
	Keys           string `json:"keys"`
	MsgID          string `json:"msgId"`
	QueueID        int    `json:"queueId"`
	QueueOffset    int64  `json:"queueOffset"`
	BornTimestamp  int64  `json:"bornTimestamp"`
	StoreTimestamp int64  `json:"storeTimestamp"`
	ReconsumeTimes int32  `json:"reconsumeTimes"`
	ReceivedAt     int64  `json:"receivedAt"`
	Topic          string `json:"topic"`
	DelayLevel     string `json:"delayLevel,omitempty"`
	// Every property as delivered, system ones included.
	Properties map[string]string `json:"properties"`
}

var statusNames = map[primitive.SendStatus]string{
	primitive.SendOK:                "SEND_OK",
	primitive.SendFlushDiskTimeout:  "FLUSH_DISK_TIMEOUT",
	primitive.SendFlushSlaveTimeout: "FLUSH_SLAVE_TIMEOUT",
	primitive.SendSlaveNotAvailable: "SLAVE_NOT_AVAILABLE",
	primitive.SendUnknownError:      "UNKNOWN_ERROR",
}

func nowMs() int64 { return time.Now().UnixMilli() }

func deadline(args Args) time.Time {
	return time.Now().Add(time.Duration(args.TimeoutMs) * time.Millisecond)
}

func nameServer(args Args) (primitive.NamesrvAddr, error) {
	if args.Namesrv == "" {
		return nil, fmt.Errorf("namesrv is required")
	}
	return primitive.NewNamesrvAddr(args.Namesrv)
}

func newProducer(args Args, opts ...producer.Option) (rocketmq.Producer, error) {
	ns, err := nameServer(args)
	if err != nil {
		return nil, err
	}
	base := []producer.Option{
		producer.WithNameServer(ns),
		producer.WithGroupName(args.Group + "-producer"),
		// Its own instance, so shutting it down leaves a consumer's client alone.
		producer.WithInstanceName(args.Group + "-producer"),
		producer.WithRetry(2),
		producer.WithSendMsgTimeout(10 * time.Second),
	}
	p, err := rocketmq.NewProducer(append(base, opts...)...)
	if err != nil {
		return nil, err
	}
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("producer start: %w", err)
	}
	return p, nil
}

func consumerBase(args Args, instance string) ([]consumer.Option, error) {
	ns, err := nameServer(args)
	if err != nil {
		return nil, err
	}
	return []consumer.Option{
		consumer.WithNameServer(ns),
		consumer.WithGroupName(args.Group),
		consumer.WithInstance(args.Group + "-" + instance),
		consumer.WithConsumeFromWhere(consumer.ConsumeFromFirstOffset),
	}, nil
}

func sentFrom(result *primitive.SendResult, msg *primitive.Message, sentAt int64) Sent {
	s := Sent{
		Status:      int(result.Status),
		StatusName:  statusNames[result.Status],
		MsgID:       result.MsgID,
		OffsetMsgID: result.OffsetMsgID,
		QueueOffset: result.QueueOffset,
		Body:        string(msg.Body),
		Key:         msg.GetKeys(),
		Tag:         msg.GetTags(),
		SentAt:      sentAt,
	}
	if result.MessageQueue != nil {
		s.BrokerName = result.MessageQueue.BrokerName
		s.QueueID = result.MessageQueue.QueueId
	}
	return s
}

func receivedFrom(msg *primitive.MessageExt) Received {
	return Received{
		Body:           string(msg.Body),
		Tag:            msg.GetTags(),
		Keys:           msg.GetKeys(),
		MsgID:          msg.MsgId,
		QueueID:        queueIDOf(msg),
		QueueOffset:    msg.QueueOffset,
		BornTimestamp:  msg.BornTimestamp,
		StoreTimestamp: msg.StoreTimestamp,
		ReconsumeTimes: msg.ReconsumeTimes,
		ReceivedAt:     nowMs(),
		Topic:          msg.Topic,
		DelayLevel:     msg.GetProperty(primitive.PropertyDelayTimeLevel),
		Properties:     msg.GetProperties(),
	}
}

func queueIDOf(msg *primitive.MessageExt) int {
	if msg.Queue != nil {
		return msg.Queue.QueueId
	}
	return -1
}

// readBack pulls every queue of the topic from offset 0 until `want` messages came back or the
// deadline passed, with PullFrom: what the broker returns for explicit offsets.
func readBack(args Args, want int) ([]Received, error) {
	opts, err := consumerBase(Args{Namesrv: args.Namesrv, Group: args.Group + "-readback"}, "readback")
	if err != nil {
		return nil, err
	}
	pc, err := rocketmq.NewPullConsumer(opts...)
	if err != nil {
		return nil, err
	}
	if err := pc.Subscribe(args.Topic, consumer.MessageSelector{Type: consumer.TAG, Expression: "*"}); err != nil {
		return nil, err
	}
	if err := pc.Start(); err != nil {
		return nil, fmt.Errorf("pull consumer start: %w", err)
	}
	defer func() { _ = pc.Shutdown() }()
	queues, err := pc.GetTopicRouteInfo(args.Topic)
	if err != nil {
		return nil, err
	}
	offsets := make(map[int]int64)
	var got []Received
	until := deadline(args)
	for len(got) < want && time.Now().Before(until) {
		progress := false
		for _, queue := range queues {
			mq := *queue
			result, err := pc.PullFrom(context.Background(), &mq, offsets[mq.QueueId], 32)
			if err != nil {
				return nil, fmt.Errorf("pull %s: %w", mq.String(), err)
			}
			for _, msg := range result.GetMessageExts() {
				got = append(got, receivedFrom(msg))
				progress = true
			}
			if result.Status == primitive.PullFound || result.Status == primitive.PullNoMsgMatched {
				offsets[mq.QueueId] = result.NextBeginOffset
			}
		}
		if !progress {
			time.Sleep(200 * time.Millisecond)
		}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Body < got[j].Body })
	return got, nil
}
