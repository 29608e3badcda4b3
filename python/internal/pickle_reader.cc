#include "pkl5/python/internal/pickle_reader.h"

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pkl5/base/status_macros.h"

namespace pkl5::python_internal {

absl::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kComplex:
      return "complex";
    case Kind::kStr:
      return "str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kByteArray:
      return "bytearray";
    case Kind::kList:
      return "list";
    case Kind::kTuple:
      return "tuple";
    case Kind::kDict:
      return "dict";
    case Kind::kSet:
      return "set";
    case Kind::kFrozenSet:
      return "frozenset";
    case Kind::kBuffer:
      return "PickleBuffer";
    case Kind::kArray:
      return "numpy.ndarray";
    case Kind::kNumpyScalar:
      return "numpy scalar";
    case Kind::kDtype:
      return "numpy.dtype";
    case Kind::kCallable:
      return "a callable";
    case Kind::kError:
      return "an exception";
  }
  return "?";
}

namespace {

// Opcode names for messages, from Lib/pickletools.py.
absl::string_view OpcodeName(uint8_t op) {
  switch (op) {
    case 'I':
      return "INT";
    case 'L':
      return "LONG";
    case 'F':
      return "FLOAT";
    case 'S':
      return "STRING";
    case 'T':
      return "BINSTRING";
    case 'U':
      return "SHORT_BINSTRING";
    case 'V':
      return "UNICODE";
    case 'P':
      return "PERSID";
    case 'Q':
      return "BINPERSID";
    case 'i':
      return "INST";
    case 'o':
      return "OBJ";
    case 0x81:
      return "NEWOBJ";
    case 0x92:
      return "NEWOBJ_EX";
    case 0x82:
      return "EXT1";
    case 0x83:
      return "EXT2";
    case 0x84:
      return "EXT4";
    case 'g':
      return "GET";
    case 'p':
      return "PUT";
    default:
      return "unknown";
  }
}

// Globals a stream may name, and what they are.
bool LookUpGlobal(absl::string_view module, absl::string_view name,
                  Callable& callable) {
  const bool numeric =
      module == "numpy.core.numeric" || module == "numpy._core.numeric";
  const bool multiarray =
      module == "numpy.core.multiarray" || module == "numpy._core.multiarray";
  if (numeric && name == "_frombuffer") {
    callable = Callable::kFromBuffer;
  } else if (module == "numpy" && name == "dtype") {
    callable = Callable::kNumpyDtype;
  } else if (multiarray && name == "scalar") {
    callable = Callable::kNumpyScalar;
  } else if (module == "builtins" && name == "complex") {
    callable = Callable::kComplex;
  } else if (module == "builtins" &&
             (name == "ValueError" || name == "RuntimeError" ||
              name == "Exception")) {
    callable = Callable::kException;
  } else {
    return false;
  }
  return true;
}

// Parses numpy's dtype code ("f8", "<i4", "?", "b1", "U5") into `dtype`.
void ParseDtypeCode(absl::string_view code, Dtype& dtype) {
  dtype.code = code;
  if (!code.empty() &&
      (code[0] == '<' || code[0] == '>' || code[0] == '|' || code[0] == '=')) {
    dtype.byteorder = code[0];
    code.remove_prefix(1);
  }
  if (code == "?") code = "b1";
  if (code.size() < 2) return;
  const char kind = code[0];
  int size = 0;
  for (char c : code.substr(1)) {
    if (c < '0' || c > '9' || size > 64) return;
    size = size * 10 + (c - '0');
  }
  const bool known = (kind == 'b' && size == 1) ||
                     ((kind == 'i' || kind == 'u') &&
                      (size == 1 || size == 2 || size == 4 || size == 8)) ||
                     (kind == 'f' && (size == 4 || size == 8)) ||
                     (kind == 'c' && (size == 8 || size == 16));
  if (!known) return;
  dtype.kind = kind;
  dtype.itemsize = static_cast<uint8_t>(size);
}

class Reader {
 public:
  Reader(absl::string_view stream, size_t buffer_count)
      : stream_(stream), buffer_count_(buffer_count) {}

  absl::StatusOr<PickleTree> Run() {
    // Shared nodes for the constants, as Python shares None/True/False.
    none_ = NewNode(Kind::kNone);
    true_ = NewNode(Kind::kBool);
    tree_.nodes[true_].integer = 1;
    false_ = NewNode(Kind::kBool);
    while (true) {
      PKL5_ASSIGN_OR_RETURN(const uint8_t op, Byte());
      PKL5_ASSIGN_OR_RETURN(const bool stop, Step(op));
      if (stop) break;
    }
    if (pos_ != stream_.size()) {
      return Corrupt(
          absl::StrCat(stream_.size() - pos_, " bytes follow the STOP opcode"));
    }
    return std::move(tree_);
  }

 private:
  static absl::Status Corrupt(absl::string_view what) {
    return absl::DataLossError(absl::StrCat("corrupt pickle stream: ", what));
  }
  absl::Status Unsupported(uint8_t op) const {
    return absl::InvalidArgumentError(absl::StrFormat(
        "pickle opcode %s (0x%02x, at byte %d) is not supported: pkl5 reads "
        "None, bool, int, float, complex, str, bytes, list, tuple, dict, "
        "set and numpy arrays and scalars, and runs no Python code",
        OpcodeName(op), op, pos_ - 1));
  }

  NodeId NewNode(Kind kind) {
    tree_.nodes.emplace_back();
    tree_.nodes.back().kind = kind;
    return static_cast<NodeId>(tree_.nodes.size() - 1);
  }
  Node& At(NodeId id) { return tree_.nodes[id]; }

  absl::StatusOr<uint8_t> Byte() {
    if (pos_ >= stream_.size()) return Corrupt("it ends before STOP");
    return static_cast<uint8_t>(stream_[pos_++]);
  }
  absl::StatusOr<absl::string_view> Take(uint64_t n) {
    if (n > stream_.size() - pos_) {
      return Corrupt(absl::StrCat("an argument of ", n, " bytes at byte ", pos_,
                                  " runs past its end"));
    }
    absl::string_view bytes = stream_.substr(pos_, n);
    pos_ += n;
    return bytes;
  }
  absl::StatusOr<uint64_t> Unsigned(size_t bytes) {
    PKL5_ASSIGN_OR_RETURN(absl::string_view raw, Take(bytes));
    return LittleEndian(raw);
  }
  static uint64_t LittleEndian(absl::string_view raw) {
    uint64_t value = 0;
    for (size_t i = raw.size(); i > 0; --i) {
      value = (value << 8) | static_cast<uint8_t>(raw[i - 1]);
    }
    return value;
  }
  // A text argument ending in '\n' (GLOBAL).
  absl::StatusOr<absl::string_view> Line() {
    const size_t end = stream_.find('\n', pos_);
    if (end == absl::string_view::npos) return Corrupt("a line has no end");
    absl::string_view line = stream_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return line;
  }

  void Push(NodeId id) { stack_.push_back(id); }
  absl::StatusOr<NodeId> Pop() {
    if (stack_.size() <= Floor()) return Corrupt("the stack underflows");
    NodeId id = stack_.back();
    stack_.pop_back();
    return id;
  }
  absl::StatusOr<NodeId> Top() {
    if (stack_.size() <= Floor()) return Corrupt("the stack underflows");
    return stack_.back();
  }
  size_t Floor() const { return marks_.empty() ? 0 : marks_.back(); }
  // Everything above the last MARK, which goes.
  absl::StatusOr<std::vector<NodeId>> PopMark() {
    if (marks_.empty()) return Corrupt("an opcode wants a MARK there is not");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<NodeId> items(
        stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }

  absl::Status PushInt(int64_t value) {
    NodeId id = NewNode(Kind::kInt);
    At(id).integer = value;
    Push(id);
    return absl::OkStatus();
  }
  // LONG1/LONG4: little-endian two's complement of any length.
  absl::Status PushLong(absl::string_view raw) {
    NodeId id = NewNode(Kind::kInt);
    if (raw.size() == 9 && raw[8] == 0) {  // 2^63 .. 2^64-1
      At(id).uinteger = LittleEndian(raw.substr(0, 8));
      At(id).is_unsigned = true;
      Push(id);
      return absl::OkStatus();
    }
    if (raw.size() > 8) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a Python int of ", raw.size(),
          " bytes is wider than 64 bits: pkl5 maps int onto int64_t or "
          "uint64_t only"));
    }
    uint64_t value = LittleEndian(raw);
    if (!raw.empty() && raw.size() < 8 && (raw.back() & 0x80)) {
      value |= ~uint64_t{0} << (8 * raw.size());  // sign-extend
    }
    At(id).integer = static_cast<int64_t>(value);
    Push(id);
    return absl::OkStatus();
  }
  absl::Status PushText(Kind kind, absl::string_view text) {
    NodeId id = NewNode(kind);
    At(id).text = text;
    Push(id);
    return absl::OkStatus();
  }
  absl::Status PushSized(Kind kind, size_t length_bytes) {
    PKL5_ASSIGN_OR_RETURN(const uint64_t n, Unsigned(length_bytes));
    PKL5_ASSIGN_OR_RETURN(absl::string_view text, Take(n));
    return PushText(kind, text);
  }
  absl::Status PushContainer(Kind kind, std::vector<NodeId> items) {
    NodeId id = NewNode(kind);
    At(id).items = std::move(items);
    Push(id);
    return absl::OkStatus();
  }

  // Appends `items` to the list or set below them.
  absl::Status Extend(std::vector<NodeId> items, Kind want) {
    PKL5_ASSIGN_OR_RETURN(NodeId target, Top());
    if (At(target).kind != want) {
      return Corrupt(absl::StrCat("items are added to a ",
                                  KindName(At(target).kind), ", not a ",
                                  KindName(want)));
    }
    std::vector<NodeId>& into = At(target).items;
    into.insert(into.end(), items.begin(), items.end());
    return absl::OkStatus();
  }

  absl::Status Memoize(uint64_t key) {
    PKL5_ASSIGN_OR_RETURN(NodeId top, Top());
    memo_[key] = top;
    return absl::OkStatus();
  }
  absl::Status Recall(uint64_t key) {
    auto found = memo_.find(key);
    if (found == memo_.end()) {
      return Corrupt(absl::StrCat("memo key ", key, " was never stored"));
    }
    Push(found->second);
    return absl::OkStatus();
  }

  absl::Status Global(absl::string_view module, absl::string_view name) {
    Callable callable;
    if (!LookUpGlobal(module, name, callable)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the pickle stream names the Python global ", module, ".", name,
          ", which pkl5 does not rebuild: it reads plain Python values and "
          "numpy arrays and scalars only, and never imports or runs a class"));
    }
    NodeId id = NewNode(Kind::kCallable);
    At(id).callable = callable;
    Push(id);
    return absl::OkStatus();
  }

  // A number as a C++ double, for complex's parts.
  absl::StatusOr<double> Real(NodeId id) const {
    const Node& node = tree_[id];
    if (node.kind == Kind::kFloat) return node.real;
    if (node.kind == Kind::kInt || node.kind == Kind::kBool) {
      return node.is_unsigned ? static_cast<double>(node.uinteger)
                              : static_cast<double>(node.integer);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("complex() takes numbers, not ", KindName(node.kind)));
  }

  absl::Status Reduce() {
    PKL5_ASSIGN_OR_RETURN(NodeId args_id, Pop());
    PKL5_ASSIGN_OR_RETURN(NodeId callable_id, Pop());
    const Node& callable = tree_[callable_id];
    const Node& args_node = tree_[args_id];
    if (callable.kind != Kind::kCallable || args_node.kind != Kind::kTuple) {
      return Corrupt("REDUCE wants a callable and a tuple");
    }
    const std::vector<NodeId> args = args_node.items;
    switch (callable.callable) {
      case Callable::kComplex: {
        if (args.empty() || args.size() > 2) {
          return Corrupt("complex() wants 1 or 2 arguments");
        }
        PKL5_ASSIGN_OR_RETURN(const double real, Real(args[0]));
        double imag = 0;
        if (args.size() == 2) {
          PKL5_ASSIGN_OR_RETURN(imag, Real(args[1]));
        }
        NodeId id = NewNode(Kind::kComplex);
        At(id).real = real;
        At(id).imag = imag;
        Push(id);
        return absl::OkStatus();
      }
      case Callable::kNumpyDtype: {
        if (args.empty() || tree_[args[0]].kind != Kind::kStr) {
          return Corrupt("numpy.dtype() wants a type code");
        }
        NodeId id = NewNode(Kind::kDtype);
        ParseDtypeCode(tree_[args[0]].text, At(id).dtype);
        Push(id);
        return absl::OkStatus();
      }
      case Callable::kFromBuffer: {
        // _frombuffer(buffer, dtype, shape, order)
        if (args.size() != 4 || tree_[args[1]].kind != Kind::kDtype ||
            tree_[args[2]].kind != Kind::kTuple ||
            tree_[args[3]].kind != Kind::kStr) {
          return Corrupt("_frombuffer wants (buffer, dtype, shape, order)");
        }
        const Kind data = tree_[args[0]].kind;
        if (data != Kind::kBuffer && data != Kind::kBytes &&
            data != Kind::kByteArray) {
          return Corrupt("_frombuffer wants a buffer");
        }
        for (NodeId dim : tree_[args[2]].items) {
          if (tree_[dim].kind != Kind::kInt || tree_[dim].integer < 0 ||
              tree_[dim].is_unsigned) {
            return Corrupt("an array's shape holds a negative or odd size");
          }
        }
        const absl::string_view order = tree_[args[3]].text;
        if (order != "C" && tree_[args[2]].items.size() > 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              "a numpy array in order '", order,
              "' is not supported: send numpy.ascontiguousarray(a)"));
        }
        NodeId id = NewNode(Kind::kArray);
        At(id).dtype = tree_[args[1]].dtype;
        At(id).items = {args[0], args[2]};
        Push(id);
        return absl::OkStatus();
      }
      case Callable::kNumpyScalar: {
        // scalar(dtype, bytes)
        if (args.size() != 2 || tree_[args[0]].kind != Kind::kDtype ||
            tree_[args[1]].kind != Kind::kBytes) {
          return absl::InvalidArgumentError(
              "a numpy scalar of an object or structured dtype is not "
              "supported");
        }
        NodeId id = NewNode(Kind::kNumpyScalar);
        At(id).dtype = tree_[args[0]].dtype;
        At(id).text = tree_[args[1]].text;
        Push(id);
        return absl::OkStatus();
      }
      case Callable::kException: {
        NodeId id = NewNode(Kind::kError);
        if (!args.empty() && tree_[args[0]].kind == Kind::kStr) {
          At(id).text = tree_[args[0]].text;
        }
        Push(id);
        return absl::OkStatus();
      }
    }
    return Corrupt("REDUCE of an unknown callable");
  }

  // BUILD: sets a dtype's byte order (numpy's __setstate__ tuple
  // (version, byteorder, subarray, names, fields, ...)).
  absl::Status Build() {
    PKL5_ASSIGN_OR_RETURN(NodeId state_id, Pop());
    PKL5_ASSIGN_OR_RETURN(NodeId target, Top());
    const Node& state = tree_[state_id];
    if (At(target).kind != Kind::kDtype) {
      return absl::InvalidArgumentError(
          absl::StrCat("BUILD of ", KindName(At(target).kind),
                       " is not supported: pkl5 sets no object's state"));
    }
    if (state.kind != Kind::kTuple || state.items.size() < 5 ||
        tree_[state.items[1]].kind != Kind::kStr ||
        tree_[state.items[1]].text.size() != 1) {
      return Corrupt("a numpy.dtype state is not numpy's tuple");
    }
    for (size_t i = 2; i <= 4; ++i) {
      if (tree_[state.items[i]].kind != Kind::kNone) {
        At(target).dtype.kind = 0;  // structured or subarray: unsupported
      }
    }
    At(target).dtype.byteorder = tree_[state.items[1]].text[0];
    return absl::OkStatus();
  }

  absl::StatusOr<bool> Step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        PKL5_ASSIGN_OR_RETURN(const uint8_t protocol, Byte());
        if (protocol < 2 || protocol > 5) {
          return absl::InvalidArgumentError(absl::StrCat(
              "pickle protocol ", protocol, " is not supported (2 to 5 are)"));
        }
        return false;
      }
      case 0x95: {  // FRAME: a length hint, nothing to build
        PKL5_ASSIGN_OR_RETURN(const uint64_t n, Unsigned(8));
        if (n > stream_.size() - pos_) return Corrupt("a frame runs past it");
        return false;
      }
      case '.': {  // STOP
        PKL5_ASSIGN_OR_RETURN(tree_.root, Pop());
        if (!stack_.empty() || !marks_.empty()) {
          return Corrupt("values are left on the stack at STOP");
        }
        return true;
      }
      case '(':  // MARK
        marks_.push_back(stack_.size());
        return false;
      case '0': {  // POP
        PKL5_ASSIGN_OR_RETURN(NodeId ignored, Pop());
        static_cast<void>(ignored);
        return false;
      }
      case '1': {  // POP_MARK
        PKL5_ASSIGN_OR_RETURN(std::vector<NodeId> ignored, PopMark());
        return false;
      }
      case '2': {  // DUP
        PKL5_ASSIGN_OR_RETURN(NodeId top, Top());
        Push(top);
        return false;
      }
      case 'N':
        Push(none_);
        return false;
      case 0x88:
        Push(true_);
        return false;
      case 0x89:
        Push(false_);
        return false;
      case 'J': {  // BININT
        PKL5_ASSIGN_OR_RETURN(const uint64_t raw, Unsigned(4));
        PKL5_RETURN_IF_ERROR(
            PushInt(static_cast<int32_t>(static_cast<uint32_t>(raw))));
        return false;
      }
      case 'K': {  // BININT1
        PKL5_ASSIGN_OR_RETURN(const uint64_t raw, Unsigned(1));
        PKL5_RETURN_IF_ERROR(PushInt(static_cast<int64_t>(raw)));
        return false;
      }
      case 'M': {  // BININT2
        PKL5_ASSIGN_OR_RETURN(const uint64_t raw, Unsigned(2));
        PKL5_RETURN_IF_ERROR(PushInt(static_cast<int64_t>(raw)));
        return false;
      }
      case 0x8a:    // LONG1
      case 0x8b: {  // LONG4
        PKL5_ASSIGN_OR_RETURN(const uint64_t n, Unsigned(op == 0x8a ? 1u : 4u));
        PKL5_ASSIGN_OR_RETURN(absl::string_view raw, Take(n));
        PKL5_RETURN_IF_ERROR(PushLong(raw));
        return false;
      }
      case 'G': {  // BINFLOAT, big-endian
        PKL5_ASSIGN_OR_RETURN(absl::string_view raw, Take(8));
        uint64_t bits = 0;
        for (char c : raw) bits = (bits << 8) | static_cast<uint8_t>(c);
        NodeId id = NewNode(Kind::kFloat);
        std::memcpy(&At(id).real, &bits, sizeof(bits));
        Push(id);
        return false;
      }
      case 0x8c:  // SHORT_BINUNICODE
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kStr, 1));
        return false;
      case 'X':  // BINUNICODE
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kStr, 4));
        return false;
      case 0x8d:  // BINUNICODE8
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kStr, 8));
        return false;
      case 'C':  // SHORT_BINBYTES
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kBytes, 1));
        return false;
      case 'B':  // BINBYTES
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kBytes, 4));
        return false;
      case 0x8e:  // BINBYTES8
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kBytes, 8));
        return false;
      case 0x96:  // BYTEARRAY8
        PKL5_RETURN_IF_ERROR(PushSized(Kind::kByteArray, 8));
        return false;
      case 0x97: {  // NEXT_BUFFER
        if (tree_.buffers_used >= buffer_count_) {
          return Corrupt(absl::StrCat("it takes more than the ", buffer_count_,
                                      " out-of-band buffers sent with it"));
        }
        NodeId id = NewNode(Kind::kBuffer);
        At(id).uinteger = tree_.buffers_used++;
        Push(id);
        return false;
      }
      case 0x98: {  // READONLY_BUFFER: C++ receivers own their copy anyway
        PKL5_ASSIGN_OR_RETURN(NodeId top, Top());
        static_cast<void>(top);
        return false;
      }
      case ']':
        PKL5_RETURN_IF_ERROR(PushContainer(Kind::kList, {}));
        return false;
      case ')':
        PKL5_RETURN_IF_ERROR(PushContainer(Kind::kTuple, {}));
        return false;
      case '}':
        PKL5_RETURN_IF_ERROR(PushContainer(Kind::kDict, {}));
        return false;
      case 0x8f:
        PKL5_RETURN_IF_ERROR(PushContainer(Kind::kSet, {}));
        return false;
      case 'a': {  // APPEND
        PKL5_ASSIGN_OR_RETURN(NodeId item, Pop());
        PKL5_RETURN_IF_ERROR(Extend({item}, Kind::kList));
        return false;
      }
      case 'e': {  // APPENDS
        PKL5_ASSIGN_OR_RETURN(std::vector<NodeId> items, PopMark());
        PKL5_RETURN_IF_ERROR(Extend(std::move(items), Kind::kList));
        return false;
      }
      case 0x90: {  // ADDITEMS
        PKL5_ASSIGN_OR_RETURN(std::vector<NodeId> items, PopMark());
        PKL5_RETURN_IF_ERROR(Extend(std::move(items), Kind::kSet));
        return false;
      }
      case 's': {  // SETITEM
        PKL5_ASSIGN_OR_RETURN(NodeId value, Pop());
        PKL5_ASSIGN_OR_RETURN(NodeId key, Pop());
        PKL5_RETURN_IF_ERROR(Extend({key, value}, Kind::kDict));
        return false;
      }
      case 'u': {  // SETITEMS
        PKL5_ASSIGN_OR_RETURN(std::vector<NodeId> items, PopMark());
        if (items.size() % 2 != 0) return Corrupt("SETITEMS of an odd count");
        PKL5_RETURN_IF_ERROR(Extend(std::move(items), Kind::kDict));
        return false;
      }
      case 'l':
      case 't':
      case 'd':
      case 0x91: {  // LIST, TUPLE, DICT, FROZENSET from the MARK
        PKL5_ASSIGN_OR_RETURN(std::vector<NodeId> items, PopMark());
        const Kind kind = op == 'l'   ? Kind::kList
                          : op == 't' ? Kind::kTuple
                          : op == 'd' ? Kind::kDict
                                      : Kind::kFrozenSet;
        if (kind == Kind::kDict && items.size() % 2 != 0) {
          return Corrupt("DICT of an odd count");
        }
        PKL5_RETURN_IF_ERROR(PushContainer(kind, std::move(items)));
        return false;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = static_cast<size_t>(op - 0x84);
        std::vector<NodeId> items(n);
        for (size_t i = n; i > 0; --i) {
          PKL5_ASSIGN_OR_RETURN(items[i - 1], Pop());
        }
        PKL5_RETURN_IF_ERROR(PushContainer(Kind::kTuple, std::move(items)));
        return false;
      }
      case 0x94:  // MEMOIZE
        PKL5_RETURN_IF_ERROR(Memoize(memo_.size()));
        return false;
      case 'q':
      case 'r': {  // BINPUT, LONG_BINPUT
        PKL5_ASSIGN_OR_RETURN(const uint64_t key,
                              Unsigned(op == 'q' ? 1u : 4u));
        PKL5_RETURN_IF_ERROR(Memoize(key));
        return false;
      }
      case 'h':
      case 'j': {  // BINGET, LONG_BINGET
        PKL5_ASSIGN_OR_RETURN(const uint64_t key,
                              Unsigned(op == 'h' ? 1u : 4u));
        PKL5_RETURN_IF_ERROR(Recall(key));
        return false;
      }
      case 0x93: {  // STACK_GLOBAL
        PKL5_ASSIGN_OR_RETURN(NodeId name, Pop());
        PKL5_ASSIGN_OR_RETURN(NodeId module, Pop());
        if (tree_[name].kind != Kind::kStr ||
            tree_[module].kind != Kind::kStr) {
          return Corrupt("STACK_GLOBAL wants two strings");
        }
        PKL5_RETURN_IF_ERROR(Global(tree_[module].text, tree_[name].text));
        return false;
      }
      case 'c': {  // GLOBAL
        PKL5_ASSIGN_OR_RETURN(absl::string_view module, Line());
        PKL5_ASSIGN_OR_RETURN(absl::string_view name, Line());
        PKL5_RETURN_IF_ERROR(Global(module, name));
        return false;
      }
      case 'R':
        PKL5_RETURN_IF_ERROR(Reduce());
        return false;
      case 'b':
        PKL5_RETURN_IF_ERROR(Build());
        return false;
      default:
        return Unsupported(op);
    }
  }

  absl::string_view stream_;
  size_t buffer_count_;
  size_t pos_ = 0;
  PickleTree tree_;
  std::vector<NodeId> stack_;
  std::vector<size_t> marks_;
  absl::flat_hash_map<uint64_t, NodeId> memo_;
  NodeId none_ = 0, true_ = 0, false_ = 0;
};

}  // namespace

absl::StatusOr<PickleTree> ReadPickle(absl::string_view stream,
                                      size_t buffer_count) {
  return Reader(stream, buffer_count).Run();
}

}  // namespace pkl5::python_internal
