# deploy/test/lab-join.rb: runs the Vagrantfile's own join trigger (jswarm_join) against real daemons in the
# network namespaces provision-lab.sh made, with a communicator that is `nsenter` + `cp` instead of SSH + SCP.
# Usage: ruby lab-join.rb LAB_DIR PREFIX NODES (from provision-lab.sh; JSWARM_IP_PREFIX set there).
require "open3"
require "fileutils"
require "vagrant"

LAB, PREFIX, COUNT = ARGV[0], ARGV[1], Integer(ARGV[2])
load File.expand_path("../Vagrantfile", __dir__)

# Names the lab gives what the Vagrantfile would put on a guest: under the test's prefix, never the host's own.
def sandbox_name(i) = "#{PREFIX}-demo-#{i}"
def jswarm_join_dir(index) = "#{LAB}/join-#{index}"

class LabUI
  def initialize(name) = @name = name
  def info(message, **_) = message.each_line { |l| puts "    #{@name}: #{l.chomp}" }
  def error(message, **_) = message.each_line { |l| warn "    #{@name}: #{l.chomp}" }
end

# What Vagrant's SSH communicator does, in lab host i: commands through sh (root), uploads as copies.
class LabCommunicator
  def initialize(i) = @i = i
  def ready? = true

  def execute(command, sudo: false, error_check: true)
    env = { "JSWARM_HOST" => "unix://#{LAB}/h#{@i}.sock", "PATH" => "#{LAB}/bin:#{ENV['PATH']}" }
    status = nil
    Open3.popen3(env, "nsenter", "--net=/run/netns/#{PREFIX}-h#{@i}", "sh", "-c", command) do |stdin, out, err, thread|
      stdin.close
      readers = { out => :stdout, err => :stderr }
      until readers.empty?
        IO.select(readers.keys)[0].each do |io|
          data = io.read_nonblock(4096, exception: false)
          next if data == :wait_readable
          if data.nil?
            readers.delete(io)
          else
            yield readers[io], data if block_given?
          end
        end
      end
      status = thread.value.exitstatus
    end
    raise "lab h#{@i}: #{command} exited #{status}" if error_check && status != 0
    status
  end

  def upload(from, to) = FileUtils.cp(from, to)
end

LabMachine = Struct.new(:name, :communicate, :ui, :provider_name)
LabEnv = Struct.new(:machines, :local_data_path) do
  def machine(name, _provider) = machines.fetch(name)
end

machines = (1..COUNT).to_h { |i| [:"node#{i}", LabMachine.new("node#{i}", LabCommunicator.new(i), LabUI.new("node#{i}"), :lab)] }
env = LabEnv.new(machines, LAB)
(2..COUNT).each do |i|
  puts "==> node#{i}: Running trigger: jswarm join node#{i}..."
  begin
    jswarm_join(env, machines[:"node#{i}"], i)
  rescue Vagrant::Errors::VagrantError => e
    warn "lab-join: #{e.message}"
    exit 1
  end
end
