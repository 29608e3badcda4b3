#include "pkl5/python/internal/pickle_writer.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace pkl5::python_internal {
namespace {

// Opcodes (Lib/pickle.py).
constexpr uint8_t kProto = 0x80, kStop = '.', kMark = '(', kNone = 'N',
                  kNewTrue = 0x88, kNewFalse = 0x89, kBinInt = 'J',
                  kBinInt1 = 'K', kBinInt2 = 'M', kLong1 = 0x8a,
                  kBinFloat = 'G', kShortBinUnicode = 0x8c, kBinUnicode = 'X',
                  kBinUnicode8 = 0x8d, kShortBinBytes = 'C', kBinBytes = 'B',
                  kBinBytes8 = 0x8e, kByteArray8 = 0x96, kNextBuffer = 0x97,
                  kEmptyList = ']', kAppends = 'e', kEmptyTuple = ')',
                  kTuple = 't', kTuple1 = 0x85, kTuple2 = 0x86, kTuple3 = 0x87,
                  kEmptyDict = '}', kSetItems = 'u', kEmptySet = 0x8f,
                  kAddItems = 0x90, kStackGlobal = 0x93, kReduce = 'R',
                  kBuild = 'b';

// Whether `text` is UTF-8 Python's decoder accepts (no surrogates, no
// overlong forms).
bool IsUtf8(absl::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t more;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      more = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      more = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      more = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (n - i <= more) return false;
    for (size_t k = 1; k <= more; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((more == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (more == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
      return false;
    }
    i += more + 1;
  }
  return true;
}

}  // namespace

size_t TotalBytes(absl::Span<const Segment> segments) {
  size_t total = 0;
  for (const Segment& segment : segments) total += segment.bytes;
  return total;
}

PickleWriter::PickleWriter(size_t out_of_band_threshold)
    : threshold_(out_of_band_threshold) {
  Op(kProto);
  Op(5);
}

void PickleWriter::Little(uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) {
    stream_.push_back(static_cast<char>(value >> (8 * i)));
  }
}

void PickleWriter::SizedText(uint8_t op1, uint8_t op4, uint8_t op8,
                             absl::string_view text) {
  if (text.size() < 256) {
    Op(op1);
    Little(text.size(), 1);
  } else if (text.size() <= UINT32_MAX) {
    Op(op4);
    Little(text.size(), 4);
  } else {
    Op(op8);
    Little(text.size(), 8);
  }
  stream_.append(text.data(), text.size());
}

void PickleWriter::None() { Op(kNone); }
void PickleWriter::Bool(bool value) { Op(value ? kNewTrue : kNewFalse); }

void PickleWriter::Int(int64_t value) {
  if (value >= 0 && value < 256) {
    Op(kBinInt1);
    Little(static_cast<uint64_t>(value), 1);
  } else if (value >= 0 && value < 65536) {
    Op(kBinInt2);
    Little(static_cast<uint64_t>(value), 2);
  } else if (value >= INT32_MIN && value <= INT32_MAX) {
    Op(kBinInt);
    Little(static_cast<uint32_t>(static_cast<int32_t>(value)), 4);
  } else {
    Op(kLong1);
    Little(8, 1);
    Little(static_cast<uint64_t>(value), 8);
  }
}

void PickleWriter::UInt(uint64_t value) {
  if (value <= static_cast<uint64_t>(INT64_MAX)) {
    Int(static_cast<int64_t>(value));
    return;
  }
  // Two's complement needs a ninth byte to stay positive.
  Op(kLong1);
  Little(9, 1);
  Little(value, 8);
  Little(0, 1);
}

void PickleWriter::Float(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  Op(kBinFloat);
  for (int i = 7; i >= 0; --i)
    stream_.push_back(static_cast<char>(bits >> (8 * i)));
}

void PickleWriter::Complex(double real, double imag) {
  Str("builtins");
  Str("complex");
  Op(kStackGlobal);
  Float(real);
  Float(imag);
  Op(kTuple2);
  Op(kReduce);
}

void PickleWriter::Str(absl::string_view utf8) {
  if (!IsUtf8(utf8)) {
    Fail(absl::InvalidArgumentError(absl::StrCat(
        "a std::string of ", utf8.size(),
        " bytes is not UTF-8, so Python could not read it as a str: send "
        "pkl5::python::Bytes for bytes")));
  }
  SizedText(kShortBinUnicode, kBinUnicode, kBinUnicode8, utf8);
}

void PickleWriter::Bytes(absl::string_view bytes) {
  SizedText(kShortBinBytes, kBinBytes, kBinBytes8, bytes);
}

void PickleWriter::BeginList() {
  Op(kEmptyList);
  Op(kMark);
}
void PickleWriter::EndList() { Op(kAppends); }
void PickleWriter::BeginTuple() { Op(kMark); }
void PickleWriter::EndTuple() { Op(kTuple); }
void PickleWriter::BeginDict() {
  Op(kEmptyDict);
  Op(kMark);
}
void PickleWriter::EndDict() { Op(kSetItems); }
void PickleWriter::BeginSet() {
  Op(kEmptySet);
  Op(kMark);
}
void PickleWriter::EndSet() { Op(kAddItems); }

void PickleWriter::Dtype(ArrayType type) {
  // numpy.dtype('f8', False, True), then its state (3, '<', None, None,
  // None, -1, -1, 0): what numpy's own pickle holds.
  Str("numpy");
  Str("dtype");
  Op(kStackGlobal);
  Str(absl::StrCat(absl::string_view(&type.kind, 1), type.itemsize));
  Op(kNewFalse);
  Op(kNewTrue);
  Op(kTuple3);
  Op(kReduce);
  Op(kMark);
  Int(3);
  Str(type.itemsize == 1 ? "|" : "<");
  None();
  None();
  None();
  Int(-1);
  Int(-1);
  Int(0);
  Op(kTuple);
  Op(kBuild);
}

void PickleWriter::Array(ArrayType type, absl::Span<const int64_t> shape,
                         Segments segments) {
  Str("numpy.core.numeric");
  Str("_frombuffer");
  Op(kStackGlobal);
  Op(kMark);
  const size_t total = TotalBytes(segments);
  if (total >= threshold_) {
    Op(kNextBuffer);
    buffers_.push_back(std::move(segments));
  } else {
    // A bytearray, as numpy writes an in-band buffer: the array Python
    // builds over it is writable.
    Op(kByteArray8);
    Little(total, 8);
    for (const Segment& segment : segments) {
      stream_.append(static_cast<const char*>(segment.data), segment.bytes);
    }
  }
  Dtype(type);
  if (shape.empty()) {
    Op(kEmptyTuple);
  } else {
    Op(kMark);
    for (int64_t dim : shape) Int(dim);
    Op(kTuple);
  }
  Str("C");
  Op(kTuple);
  Op(kReduce);
}

void PickleWriter::ValueError(absl::string_view message) {
  Str("builtins");
  Str("ValueError");
  Op(kStackGlobal);
  Str(message);
  Op(kTuple1);
  Op(kReduce);
}

std::string& PickleWriter::KeepBytes() { return kept_.emplace_back(); }

void PickleWriter::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

std::string PickleWriter::Finish() {
  Op(kStop);
  return std::move(stream_);
}

}  // namespace pkl5::python_internal
