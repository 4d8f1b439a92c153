// DropflowSimulatorLive: see Package.swift
