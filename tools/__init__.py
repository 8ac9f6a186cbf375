"Developer tools for mnist_course: checks and scripts run by `.ci/run` and the GitHub workflows (not part of the package)."
