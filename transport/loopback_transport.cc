#include "pkl5/transport/loopback_transport.h"

#include <mpi.h>

#include <climits>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pkl5/base/status_macros.h"
#include "pkl5/transport/address_rules.h"

namespace pkl5 {

struct LoopbackWorld::Message {
  int source = MPI_PROC_NULL;
  int tag = MPI_ANY_TAG;
  std::vector<std::string> pieces;
  std::vector<uint64_t> sizes;
  // Set when a receive or probe takes the message (synchronous sends wait
  // for it). Guarded by the world's mutex.
  std::shared_ptr<bool> matched = std::make_shared<bool>(false);
};

struct LoopbackWorld::PostedReceive {
  int source = MPI_ANY_SOURCE;
  int tag = MPI_ANY_TAG;
  bool done = false;
  bool cancelled = false;
  std::unique_ptr<Message> message;
};

struct LoopbackWorld::Mailbox {
  std::deque<Message> unexpected;
  std::list<std::shared_ptr<PostedReceive>> posted;
};

namespace {

using Message = LoopbackWorld::Message;
using PostedReceive = LoopbackWorld::PostedReceive;

bool Matches(int source, int tag, const Message& message) {
  return (source == MPI_ANY_SOURCE || source == message.source) &&
         (tag == MPI_ANY_TAG || tag == message.tag);
}

class DoneOperation : public PendingOperation {
 public:
  absl::StatusOr<bool> Test() override { return true; }
  absl::Status Wait() override { return absl::OkStatus(); }
};

// An operation done once `done` (read under the world's lock) holds: a
// synchronous send once its message is matched, a barrier once every rank
// arrived.
class ConditionOperation : public PendingOperation {
 public:
  ConditionOperation(std::mutex& mutex, std::condition_variable& changed,
                     std::function<bool()> done)
      : mutex_(mutex), changed_(changed), done_(std::move(done)) {}
  absl::StatusOr<bool> Test() override {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_();
  }
  absl::Status Wait() override {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, done_);
    return absl::OkStatus();
  }

 private:
  std::mutex& mutex_;
  std::condition_variable& changed_;
  std::function<bool()> done_;
};

class LoopbackObject : public ReceivedObject {
 public:
  // The empty object of a receive from MPI_PROC_NULL.
  LoopbackObject() = default;
  explicit LoopbackObject(Message message)
      : null_(false), message_(std::move(message)) {}

  bool is_null() const override { return null_; }
  int source() const override { return message_.source; }
  int tag() const override { return message_.tag; }
  const std::vector<uint64_t>& piece_sizes() const override {
    return message_.sizes;
  }
  size_t next_piece() const override { return next_; }

  absl::Status ReceiveNext(MutablePiece destination) override {
    if (complete()) {
      return absl::FailedPreconditionError(
          "every piece of this pkl5 message was already received");
    }
    const std::string& piece = message_.pieces[next_];
    if (destination.size != piece.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("piece ", next_, " has ", piece.size(), " bytes, not ",
                       destination.size));
    }
    if (!piece.empty()) {
      std::memcpy(destination.data, piece.data(), piece.size());
    }
    ++next_;
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<PendingOperation>> StartReceiveRest(
      absl::Span<const MutablePiece> destinations) override {
    PKL5_RETURN_IF_ERROR(CheckRestDestinations(destinations));
    for (const MutablePiece& destination : destinations) {
      PKL5_RETURN_IF_ERROR(ReceiveNext(destination));
    }
    return std::unique_ptr<PendingOperation>(new DoneOperation());
  }

  absl::Status Drain() override {
    next_ = piece_count();
    return absl::OkStatus();
  }

 private:
  bool null_ = true;
  Message message_;
  size_t next_ = 0;
};

class LoopbackReceive : public PendingReceive {
 public:
  LoopbackReceive(std::mutex& mutex, std::condition_variable& changed,
                  LoopbackWorld::Mailbox* mailbox,
                  std::shared_ptr<PostedReceive> posted)
      : mutex_(mutex),
        changed_(changed),
        mailbox_(mailbox),
        posted_(std::move(posted)) {}

  // Cancels a pending receive; a matched, untaken object is dropped, as the
  // MPI transport drains it.
  ~LoopbackReceive() override {
    if (posted_ != nullptr) (void)Cancel();
  }

  absl::StatusOr<bool> Test() override {
    if (posted_ == nullptr) return true;
    std::lock_guard<std::mutex> lock(mutex_);
    return posted_->done || posted_->cancelled;
  }
  absl::Status Wait() override {
    if (posted_ == nullptr) return absl::OkStatus();
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return posted_->done || posted_->cancelled; });
    return absl::OkStatus();
  }
  absl::StatusOr<bool> Cancel() override {
    if (posted_ == nullptr) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    if (posted_->done) return posted_->cancelled;
    if (!posted_->cancelled) {
      mailbox_->posted.remove(posted_);
      posted_->cancelled = true;
      changed_.notify_all();
    }
    return true;
  }
  absl::StatusOr<std::unique_ptr<ReceivedObject>> TakeObject() override {
    if (posted_ == nullptr) {
      if (taken_) {
        return absl::FailedPreconditionError("the message was already taken");
      }
      taken_ = true;
      return std::unique_ptr<ReceivedObject>(new LoopbackObject());
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (!posted_->done || posted_->cancelled || posted_->message == nullptr) {
      return absl::FailedPreconditionError(
          !posted_->done && !posted_->cancelled
              ? "the receive has not completed"
          : posted_->cancelled ? "the receive was cancelled"
                               : "the message was already taken");
    }
    return std::unique_ptr<ReceivedObject>(new LoopbackObject(
        std::move(*std::exchange(posted_->message, nullptr))));
  }

  // A receive from MPI_PROC_NULL: complete at once.
  static std::unique_ptr<PendingReceive> ProcNull(
      std::mutex& mutex, std::condition_variable& changed) {
    return std::make_unique<LoopbackReceive>(mutex, changed, nullptr, nullptr);
  }

 private:
  std::mutex& mutex_;
  std::condition_variable& changed_;
  LoopbackWorld::Mailbox* mailbox_;
  std::shared_ptr<PostedReceive> posted_;
  bool taken_ = false;
};

}  // namespace

class LoopbackTransport : public Transport {
 public:
  LoopbackTransport(LoopbackWorld& world, int rank)
      : world_(world),
        rank_(rank),
        addresses_{world.size_, /*is_inter=*/false, INT_MAX} {}

  int rank() const override { return rank_; }
  int size() const override { return world_.size_; }
  absl::StatusOr<std::unique_ptr<PendingOperation>> StartBarrier() override {
    return world_.ArriveAtBarrier();
  }
  int peer_count() const override { return world_.size_; }
  bool is_inter() const override { return false; }

  absl::StatusOr<std::unique_ptr<PendingOperation>> StartSend(
      absl::Span<const ConstPiece> pieces, int destination, int tag,
      SendMode mode) override {
    PKL5_RETURN_IF_ERROR(addresses_.CheckSend(destination, tag));
    if (destination == MPI_PROC_NULL) {
      return std::unique_ptr<PendingOperation>(new DoneOperation());
    }
    Message message;
    message.source = rank_;
    message.tag = tag;
    for (const ConstPiece& piece : pieces) {
      message.pieces.emplace_back(static_cast<const char*>(piece.data),
                                  piece.size);
      message.sizes.push_back(piece.size);
    }
    std::shared_ptr<bool> matched = message.matched;
    {
      std::lock_guard<std::mutex> lock(world_.mutex_);
      LoopbackWorld::Mailbox& mailbox =
          *world_.mailboxes_[static_cast<size_t>(destination)];
      // A posted receive that matches takes the message first, in posting
      // order; otherwise it waits, in arrival order, for a receive or probe.
      bool delivered = false;
      for (auto it = mailbox.posted.begin(); it != mailbox.posted.end(); ++it) {
        if (Matches((*it)->source, (*it)->tag, message)) {
          *message.matched = true;
          (*it)->message = std::make_unique<Message>(std::move(message));
          (*it)->done = true;
          mailbox.posted.erase(it);
          delivered = true;
          break;
        }
      }
      if (!delivered) mailbox.unexpected.push_back(std::move(message));
      world_.changed_.notify_all();
    }
    if (mode == SendMode::kSynchronous) {
      return std::unique_ptr<PendingOperation>(new ConditionOperation(
          world_.mutex_, world_.changed_,
          [matched = std::move(matched)] { return *matched; }));
    }
    return std::unique_ptr<PendingOperation>(new DoneOperation());
  }

  absl::StatusOr<std::unique_ptr<ReceivedObject>> Probe(int source,
                                                        int tag) override {
    return Take(source, tag, /*block=*/true);
  }
  absl::StatusOr<std::unique_ptr<ReceivedObject>> TryProbe(int source,
                                                           int tag) override {
    return Take(source, tag, /*block=*/false);
  }

  absl::StatusOr<std::optional<ProbedEnvelope>> PeekEnvelope(
      int source, int tag, bool block) override {
    PKL5_RETURN_IF_ERROR(addresses_.CheckReceive(source, tag));
    if (source == MPI_PROC_NULL) {
      return ProbedEnvelope{MPI_PROC_NULL, MPI_ANY_TAG};
    }
    std::unique_lock<std::mutex> lock(world_.mutex_);
    const std::deque<Message>& unexpected =
        world_.mailboxes_[static_cast<size_t>(rank_)]->unexpected;
    std::optional<ProbedEnvelope> found;
    auto look = [&] {
      for (const Message& message : unexpected) {
        if (Matches(source, tag, message)) {
          found = ProbedEnvelope{message.source, message.tag};
          return true;
        }
      }
      return false;
    };
    if (block) {
      world_.changed_.wait(lock, look);
    } else {
      look();
    }
    return found;
  }

  absl::StatusOr<std::unique_ptr<PendingReceive>> StartReceive(
      int source, int tag) override {
    PKL5_RETURN_IF_ERROR(addresses_.CheckReceive(source, tag));
    if (source == MPI_PROC_NULL) {
      return LoopbackReceive::ProcNull(world_.mutex_, world_.changed_);
    }
    auto posted = std::make_shared<PostedReceive>();
    posted->source = source;
    posted->tag = tag;
    std::lock_guard<std::mutex> lock(world_.mutex_);
    LoopbackWorld::Mailbox* mailbox =
        world_.mailboxes_[static_cast<size_t>(rank_)].get();
    for (auto it = mailbox->unexpected.begin(); it != mailbox->unexpected.end();
         ++it) {
      if (Matches(source, tag, *it)) {
        *it->matched = true;
        posted->message = std::make_unique<Message>(std::move(*it));
        posted->done = true;
        mailbox->unexpected.erase(it);
        world_.changed_.notify_all();  // a synchronous sender may wait
        break;
      }
    }
    if (!posted->done) mailbox->posted.push_back(posted);
    return std::unique_ptr<PendingReceive>(new LoopbackReceive(
        world_.mutex_, world_.changed_, mailbox, std::move(posted)));
  }

 private:
  absl::StatusOr<std::unique_ptr<ReceivedObject>> Take(int source, int tag,
                                                       bool block) {
    PKL5_RETURN_IF_ERROR(addresses_.CheckReceive(source, tag));
    if (source == MPI_PROC_NULL) {
      return std::unique_ptr<ReceivedObject>(new LoopbackObject());
    }
    std::unique_lock<std::mutex> lock(world_.mutex_);
    struct Search {
      int source;
      int tag;
      std::deque<Message>* unexpected;
      std::deque<Message>::iterator Find() const {
        for (auto it = unexpected->begin(); it != unexpected->end(); ++it) {
          if (Matches(source, tag, *it)) return it;
        }
        return unexpected->end();
      }
    } search{source, tag,
             &world_.mailboxes_[static_cast<size_t>(rank_)]->unexpected};
    if (block) {
      world_.changed_.wait(lock, [&search] {
        return search.Find() != search.unexpected->end();
      });
    }
    const auto it = search.Find();
    std::deque<Message>& unexpected = *search.unexpected;
    if (it == unexpected.end()) return std::unique_ptr<ReceivedObject>();
    *it->matched = true;
    Message message = std::move(*it);
    unexpected.erase(it);
    world_.changed_.notify_all();  // a synchronous sender may wait
    return std::unique_ptr<ReceivedObject>(
        new LoopbackObject(std::move(message)));
  }

  LoopbackWorld& world_;
  const int rank_;
  const AddressRules addresses_;
};

LoopbackWorld::LoopbackWorld(int size) : size_(size) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int rank = 0; rank < size; ++rank) {
    mailboxes_.push_back(std::make_unique<Mailbox>());
    transports_.push_back(std::make_shared<LoopbackTransport>(*this, rank));
  }
}

LoopbackWorld::~LoopbackWorld() = default;

Transport& LoopbackWorld::transport(int rank) {
  return *transports_[static_cast<size_t>(rank)];
}

std::shared_ptr<Transport> LoopbackWorld::shared_transport(int rank) {
  return transports_[static_cast<size_t>(rank)];
}

std::unique_ptr<PendingOperation> LoopbackWorld::ArriveAtBarrier() {
  std::lock_guard<std::mutex> lock(mutex_);
  const int generation = barrier_generation_;
  if (++barrier_arrived_ == size_) {
    barrier_arrived_ = 0;
    ++barrier_generation_;
    changed_.notify_all();
  }
  // The generation moves on when the last rank arrives.
  return std::make_unique<ConditionOperation>(
      mutex_, changed_,
      [this, generation] { return barrier_generation_ != generation; });
}

void LoopbackWorld::Barrier() { ArriveAtBarrier()->Wait().IgnoreError(); }

size_t LoopbackWorld::UnreceivedCount() {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t count = 0;
  for (const auto& mailbox : mailboxes_) count += mailbox->unexpected.size();
  return count;
}

}  // namespace pkl5
