//! The CUDA build's GPU check, run before every proof.
//!
//! RISC Zero's CUDA prover initialises the driver with `.unwrap()` and has no CPU fall-back, and this module leaves
//! the driver's `cu*` functions unresolved until their first call (guest_wrapper/build.rs), so a missing driver
//! would otherwise end the process. The check loads the driver itself (`libcuda.so.1`, RTLD_GLOBAL, which is also
//! what the prover's lazily bound calls then resolve against) and asks it, through `dlsym` with plain `int`
//! results, for what the compiled kernels need: a driver that supports the toolkit the kernels were built with,
//! and a GPU (device 0, the one the prover uses) whose architecture can run one of the compiled cubins. Any
//! shortfall is a [`GpuUnavailable`] naming the cause; nothing is proved on the CPU instead.

use std::sync::OnceLock;

/// Which prover this build carries: "cpu" or "cuda" (guest_wrapper/build.rs).
pub const PROVER: &str = env!("VLAYER_PROVER");
/// The GPU architectures the CUDA kernels were compiled for ("sm_80 sm_86 ..."); empty on the CPU build.
pub const CUDA_ARCHS: &str = env!("VLAYER_CUDA_ARCHS");
/// The CUDA toolkit release that compiled the kernels ("13.0"); empty on the CPU build.
pub const CUDA_TOOLKIT: &str = env!("VLAYER_CUDA_TOOLKIT");

/// Why the GPU prover cannot run here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GpuUnavailable(pub String);

/// The GPU the prover will run on.
#[derive(Debug, Clone)]
pub struct Gpu {
    pub name: String,
    /// "sm_89" for compute capability 8.9.
    pub arch: String,
    /// The CUDA version the driver supports, e.g. "13.0".
    pub driver_cuda: String,
    pub memory_bytes: u64,
    /// GPUs the driver sees; the prover uses the first.
    pub devices: i32,
}

/// The compiled architectures, parsed.
pub fn compiled_archs() -> Vec<String> {
    CUDA_ARCHS.split_whitespace().map(str::to_string).collect()
}

/// Whether a GPU of compute capability `major.minor` runs one of `compiled` (cubins, no PTX): a cubin for X.y
/// runs on X.z for z >= y; an arch-specific one (`sm_90a`) only on exactly its own.
pub fn arch_supported(compiled: &[String], major: i32, minor: i32) -> bool {
    compiled.iter().any(|arch| {
        let Some(code) = arch.strip_prefix("sm_") else {
            return false;
        };
        let digits: String = code.chars().take_while(char::is_ascii_digit).collect();
        let Ok(num) = digits.parse::<i32>() else {
            return false;
        };
        let (m, n) = (num / 10, num % 10);
        if digits.len() < code.len() {
            (m, n) == (major, minor)
        } else {
            m == major && n <= minor
        }
    })
}

/// The driver API version (`cuDriverGetVersion`, 13000 for CUDA 13.0) that a toolkit release needs.
pub fn needed_driver_version(toolkit: &str) -> Option<i32> {
    let (major, minor) = toolkit.split_once('.')?;
    Some(major.parse::<i32>().ok()? * 1000 + minor.parse::<i32>().ok()? * 10)
}

/// "13.0" for 13000.
pub fn cuda_version_text(version: i32) -> String {
    format!("{}.{}", version / 1000, (version % 1000) / 10)
}

/// The GPU check (cached: a driver or GPU does not appear or leave while a process runs).
pub fn check() -> Result<&'static Gpu, GpuUnavailable> {
    static GPU: OnceLock<Result<Gpu, GpuUnavailable>> = OnceLock::new();
    GPU.get_or_init(probe).as_ref().map_err(Clone::clone)
}

#[cfg(not(feature = "cuda"))]
fn probe() -> Result<Gpu, GpuUnavailable> {
    Err(GpuUnavailable(
        "this is vlayer's CPU build; GPU proving needs the CUDA build (bash/setup.sh --cuda)"
            .into(),
    ))
}

#[cfg(feature = "cuda")]
fn probe() -> Result<Gpu, GpuUnavailable> {
    driver::probe()
}

#[cfg(feature = "cuda")]
mod driver {
    use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

    use super::{
        arch_supported, compiled_archs, cuda_version_text, needed_driver_version, Gpu,
        GpuUnavailable, CUDA_ARCHS, CUDA_TOOLKIT,
    };

    const CUDA_SUCCESS: c_int = 0;
    const CUDA_ERROR_STUB_LIBRARY: c_int = 34;
    const CUDA_ERROR_INSUFFICIENT_DRIVER: c_int = 35;
    const CUDA_ERROR_NO_DEVICE: c_int = 100;
    const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: c_int = 75;
    const CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: c_int = 76;

    fn unavailable(msg: impl Into<String>) -> GpuUnavailable {
        GpuUnavailable(msg.into())
    }

    fn dlerror() -> String {
        // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the next dl* call on this thread.
        let err = unsafe { libc::dlerror() };
        if err.is_null() {
            "unknown error".into()
        } else {
            // SAFETY: see above.
            unsafe { CStr::from_ptr(err) }
                .to_string_lossy()
                .into_owned()
        }
    }

    /// The driver, loaded for good: the prover's calls resolve against it later.
    struct Driver(*mut c_void);

    impl Driver {
        fn load() -> Result<Self, GpuUnavailable> {
            // SAFETY: a constant NUL-terminated name; the handle is never closed.
            let handle = unsafe {
                libc::dlopen(c"libcuda.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL)
            };
            if handle.is_null() {
                return Err(unavailable(format!(
                    "no NVIDIA driver on this machine: {} (the CUDA build needs the driver's libcuda.so.1 and an \
                     NVIDIA GPU; on a machine without one use the CPU build, bash/setup.sh)",
                    dlerror()
                )));
            }
            Ok(Self(handle))
        }

        /// A driver function by name, as `T` (a matching `extern "C" fn` type).
        unsafe fn get<T: Copy>(&self, name: &CStr) -> Result<T, GpuUnavailable> {
            let sym = libc::dlsym(self.0, name.as_ptr());
            if sym.is_null() {
                return Err(unavailable(format!(
                    "the NVIDIA driver's libcuda.so.1 has no {} ({}); it is too old for this build",
                    name.to_string_lossy(),
                    dlerror()
                )));
            }
            Ok(std::mem::transmute_copy(&sym))
        }
    }

    type GetErrorName = unsafe extern "C" fn(c_int, *mut *const c_char) -> c_int;

    fn error_name(get_name: GetErrorName, rc: c_int) -> String {
        let mut name: *const c_char = std::ptr::null();
        // SAFETY: cuGetErrorName writes a pointer to a static string or fails.
        if unsafe { get_name(rc, &mut name) } == CUDA_SUCCESS && !name.is_null() {
            // SAFETY: a static NUL-terminated string owned by the driver.
            let text = unsafe { CStr::from_ptr(name) }.to_string_lossy();
            format!("{text} ({rc})")
        } else {
            format!("CUDA error {rc}")
        }
    }

    pub(super) fn probe() -> Result<Gpu, GpuUnavailable> {
        let driver = Driver::load()?;
        // SAFETY: each type is the function's C signature from cuda.h, with CUresult and CUdevice as int.
        let (init, driver_version, count, device_get, attribute, name_of, total_mem, get_name) = unsafe {
            (
                driver.get::<unsafe extern "C" fn(c_uint) -> c_int>(c"cuInit")?,
                driver.get::<unsafe extern "C" fn(*mut c_int) -> c_int>(c"cuDriverGetVersion")?,
                driver.get::<unsafe extern "C" fn(*mut c_int) -> c_int>(c"cuDeviceGetCount")?,
                driver.get::<unsafe extern "C" fn(*mut c_int, c_int) -> c_int>(c"cuDeviceGet")?,
                driver.get::<unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int>(
                    c"cuDeviceGetAttribute",
                )?,
                driver.get::<unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int>(
                    c"cuDeviceGetName",
                )?,
                driver.get::<unsafe extern "C" fn(*mut usize, c_int) -> c_int>(
                    c"cuDeviceTotalMem_v2",
                )?,
                driver.get::<GetErrorName>(c"cuGetErrorName")?,
            )
        };
        let call = |what: &str, rc: c_int| -> Result<(), GpuUnavailable> {
            if rc == CUDA_SUCCESS {
                return Ok(());
            }
            let cause = match rc {
                CUDA_ERROR_NO_DEVICE => {
                    "the NVIDIA driver sees no GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES)".to_string()
                }
                CUDA_ERROR_STUB_LIBRARY => {
                    "libcuda.so.1 is the toolkit's link stub, not the NVIDIA driver (install the driver, or take \
                     the stub off LD_LIBRARY_PATH)"
                        .to_string()
                }
                CUDA_ERROR_INSUFFICIENT_DRIVER => format!(
                    "the NVIDIA driver is too old for CUDA {CUDA_TOOLKIT}, which compiled this build's kernels"
                ),
                _ => "the NVIDIA driver failed".to_string(),
            };
            Err(unavailable(format!(
                "{cause}: {what} returned {}",
                error_name(get_name, rc)
            )))
        };

        let mut version: c_int = 0;
        // SAFETY: writes one int.
        call("cuDriverGetVersion", unsafe {
            driver_version(&mut version)
        })?;
        let needed = needed_driver_version(CUDA_TOOLKIT).unwrap_or(0);
        if version < needed {
            return Err(unavailable(format!(
                "the NVIDIA driver supports CUDA {} only; this build's kernels were compiled with CUDA \
                 {CUDA_TOOLKIT} and need a driver that supports it{}",
                cuda_version_text(version),
                if CUDA_TOOLKIT.starts_with("13.") { " (R580 or newer)" } else { "" }
            )));
        }
        // SAFETY: flags must be 0.
        call("cuInit", unsafe { init(0) })?;
        let mut devices: c_int = 0;
        // SAFETY: writes one int.
        call("cuDeviceGetCount", unsafe { count(&mut devices) })?;
        if devices == 0 {
            return Err(unavailable(
                "the NVIDIA driver sees no GPU (check nvidia-smi and CUDA_VISIBLE_DEVICES)",
            ));
        }
        let mut device: c_int = 0;
        // SAFETY: writes one int; ordinal 0 exists (devices > 0).
        call("cuDeviceGet", unsafe { device_get(&mut device, 0) })?;
        let (mut major, mut minor): (c_int, c_int) = (0, 0);
        // SAFETY: each writes one int for a valid device.
        call("cuDeviceGetAttribute", unsafe {
            attribute(
                &mut major,
                CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                device,
            )
        })?;
        call("cuDeviceGetAttribute", unsafe {
            attribute(
                &mut minor,
                CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                device,
            )
        })?;
        let mut name = [0 as c_char; 256];
        // SAFETY: the driver writes at most `len` bytes, NUL-terminated.
        call("cuDeviceGetName", unsafe {
            name_of(name.as_mut_ptr(), name.len() as c_int, device)
        })?;
        // SAFETY: NUL-terminated by the driver (and the buffer was zeroed).
        let name = unsafe { CStr::from_ptr(name.as_ptr()) }
            .to_string_lossy()
            .into_owned();
        let mut memory: usize = 0;
        // SAFETY: writes one size_t.
        call("cuDeviceTotalMem_v2", unsafe {
            total_mem(&mut memory, device)
        })?;
        let arch = format!("sm_{major}{minor}");
        if !arch_supported(&compiled_archs(), major, minor) {
            let mut with_it: Vec<String> = compiled_archs()
                .iter()
                .map(|a| a.trim_start_matches("sm_").to_string())
                .collect();
            with_it.push(format!("{major}{minor}"));
            return Err(unavailable(format!(
                "the GPU is {name} (compute capability {major}.{minor}, {arch}), and this build's kernels are \
                 compiled for {CUDA_ARCHS} only; rebuild with its architecture: \
                 VLAYER_CUDA_ARCHS=\"{}\" bash bash/setup.sh --cuda",
                with_it.join(" ")
            )));
        }
        Ok(Gpu {
            name,
            arch,
            driver_cuda: cuda_version_text(version),
            memory_bytes: memory as u64,
            devices,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archs(list: &str) -> Vec<String> {
        list.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn cubins_run_on_the_same_major_with_an_equal_or_higher_minor() {
        let compiled = archs("sm_80 sm_86 sm_89 sm_90");
        assert!(arch_supported(&compiled, 8, 0)); // A100
        assert!(arch_supported(&compiled, 8, 7)); // Orin: the sm_86 cubin
        assert!(arch_supported(&compiled, 9, 0)); // H100, H200
        assert!(!arch_supported(&compiled, 7, 5)); // T4: older than every cubin
        assert!(!arch_supported(&compiled, 10, 0)); // B200: another major, and no PTX to JIT
        assert!(!arch_supported(&compiled, 12, 0)); // RTX 50xx
        assert!(arch_supported(&archs("sm_100"), 10, 3));
        assert!(!arch_supported(&archs("sm_86"), 8, 0));
    }

    #[test]
    fn arch_specific_cubins_run_on_their_own_arch_only() {
        let compiled = archs("sm_90a");
        assert!(arch_supported(&compiled, 9, 0));
        assert!(!arch_supported(&compiled, 9, 1));
        assert!(!arch_supported(&archs("compute_90"), 9, 0));
    }

    #[test]
    fn driver_versions() {
        assert_eq!(needed_driver_version("13.0"), Some(13000));
        assert_eq!(needed_driver_version("12.8"), Some(12080));
        assert_eq!(needed_driver_version(""), None);
        assert_eq!(cuda_version_text(12080), "12.8");
        assert_eq!(cuda_version_text(13000), "13.0");
    }
}
