#include "awd/duality/lanczos.h"

#include <Eigen/Core>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace awd::duality {
namespace {

/// The operator as Spectra sees it: y = M x on raw float64 buffers.
class SpectraOp {
 public:
  using Scalar = double;
  SpectraOp(const LinearOperator& op, const std::function<void(int64_t)>& on_product)
      : op_(op), on_product_(on_product) {}
  Eigen::Index rows() const { return op_.size; }
  Eigen::Index cols() const { return op_.size; }
  void perform_op(const double* x_in, double* y_out) const {
    // from_blob borrows Spectra's buffer; the product is a fresh tensor, copied out.
    const auto x = torch::from_blob(const_cast<double*>(x_in), {op_.size}, torch::kDouble);
    const auto y = op_(x).contiguous();
    std::copy_n(y.data_ptr<double>(), op_.size, y_out);
    if (on_product_) on_product_(++products_);
  }

 private:
  const LinearOperator& op_;
  const std::function<void(int64_t)>& on_product_;
  mutable int64_t products_ = 0;
};

int64_t krylov_size(int64_t N, int64_t k, const LanczosOptions& o) {
  const int64_t ncv = o.krylov_size > 0 ? o.krylov_size : std::max(2 * k + 1, k + 32);
  return std::min(ncv, N);
}

}  // namespace

TopEigenpairs top_eigenpairs(const LinearOperator& op, int64_t k, const LanczosOptions& options) {
  const int64_t N = op.size;
  if (k <= 0 || k >= N)
    throw std::invalid_argument("top_eigenpairs: need 0 < k < N, got k = " + std::to_string(k) +
                                ", N = " + std::to_string(N));
  SpectraOp sop(op, options.on_product);
  Spectra::SymEigsSolver<SpectraOp> eigs(sop, k, krylov_size(N, k, options));
  eigs.init();
  const auto nconv = eigs.compute(Spectra::SortRule::LargestAlge, options.max_restarts, options.tolerance,
                                  Spectra::SortRule::LargestAlge);
  if (eigs.info() != Spectra::CompInfo::Successful)
    throw std::runtime_error("Lanczos did not converge: " + std::to_string(nconv) + " of the top " +
                             std::to_string(k) + " eigenpairs after " + std::to_string(eigs.num_iterations()) +
                             " restarts (" + std::to_string(eigs.num_operations()) +
                             " products, tolerance " + std::to_string(options.tolerance) +
                             "); raise the Krylov size or the restart limit");
  const Eigen::VectorXd values = eigs.eigenvalues();
  const Eigen::MatrixXd vectors = eigs.eigenvectors();  // column-major [N, k]
  TopEigenpairs out;
  out.lambda = torch::from_blob(const_cast<double*>(values.data()), {k}, torch::kDouble).clone();
  // Column-major [N, k] is row-major [k, N].
  out.vectors = torch::from_blob(const_cast<double*>(vectors.data()), {k, N}, torch::kDouble).t().contiguous();
  out.restarts = eigs.num_iterations();
  out.products = eigs.num_operations();
  return out;
}

}  // namespace awd::duality
