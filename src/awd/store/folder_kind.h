// Which awd folder a folder is, and which of its entries awd wrote. Torch-free.
//
// Every folder awd writes carries a marker, FOLDER/.awd.json
// ({"kind": "run", "awd_version": ...}), created before anything else is
// written there. awd writes into a folder only when it is missing, empty or of
// the kind the command makes; replacing results removes only the entries the
// kind's layout names, so a user's files in the folder stay.
//
// Folders of an awd before markers are recognised by the file that has always
// marked them (a run's config.json with samples or a run id, an analysis'
// summary.json with pair_gap or a run id, a sweep's sweep.json, a report's report.html
// beside summary.csv or compare.csv); they get their marker the next time awd
// writes into them.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace awd::store {

enum class FolderKind { kRun, kAnalysis, kSweep, kCompare, kReport };

/// "run", "analysis", "sweep", "compare", "report" (as the marker spells it).
std::string kind_name(FolderKind kind);

/// The marker's file name.
inline constexpr const char* kFolderMarker = ".awd.json";

/// What a folder is, as far as awd can tell.
struct FolderInfo {
  std::optional<FolderKind> kind;  ///< from the marker, or from the files of an awd before markers
  std::string evidence;            ///< the file that says so (".awd.json", "config.json", ...)
  std::string foreign;             ///< when no kind: the first entry awd did not write ("" = none)
};

/// The folder `dir` as it is now (a missing folder: no kind, nothing foreign).
/// Entries named in `keep` and temporaries of io::write_atomic are never foreign.
FolderInfo inspect_folder(const std::string& dir, const std::vector<std::string>& keep = {});

/// Throws std::runtime_error, one line naming `dir`, unless it is missing,
/// empty or of `kind`: a folder of another kind ("DIR: holds a sweep
/// (sweep.json), not a run; ...") always, a folder holding files awd did not
/// write ("DIR: not an analysis folder (holds 'notes.txt' and no
/// summary.json); ...") unless `allow_foreign`.
void require_folder_kind(const std::string& dir, FolderKind kind, const std::vector<std::string>& keep = {},
                         bool allow_foreign = false);

/// require_folder_kind, then creates `dir` and its marker when it has none.
/// The marker is created exclusively: of two processes making one empty
/// folder two kinds, one wins and the other is refused.
void own_folder(const std::string& dir, FolderKind kind, const std::vector<std::string>& keep = {},
                bool allow_foreign = false);

/// Removes from `dir` (a run or an analysis folder) what awd writes there:
/// the entries its kind's layout names and their temporaries; in a run, the
/// NAME.npy files of weights/, the snapshots' model.pt and weights/; in both,
/// the analysis folders inside (a run's, those of trajectory/, or the layers'
/// of an analysis of several layers: emptied the same way, removed when
/// nothing else is left in them), with trajectory/'s report files. Never the marker, the `keep`
/// entries or anything else: the user's files stay.
void remove_awd_files(const std::string& dir, FolderKind kind, const std::vector<std::string>& keep = {});

/// Throws std::invalid_argument unless `name` can name an analysis folder
/// inside a run directory: a plain folder name that is none of the run's own
/// files and folders (weights, config.json, ...).
void check_analysis_name(const std::string& name);

}  // namespace awd::store
