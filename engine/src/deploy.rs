//! Deployments, versioned process definitions and models. (Being written.)
